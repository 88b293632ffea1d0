"""Municipality staff: KPIs and CSV exports (the staff HTTP routes are in backend/api/staff.py)."""
