"""The audit log (table audit_events, backend/db/models_audit.py): who changed what, when, from where.

- `actor.py`: who is acting (staff, a venue account, or the system), carried on a db Session's `info`;
- `recorder.py`: a session event that records every ORM change of a session carrying an actor;
- `transactions.py`: the issuer's observer, recording each transaction the backend sends;
- `log.py`: reading the log back (filters, pages, CSV).
"""
