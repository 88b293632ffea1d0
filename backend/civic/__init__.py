"""Civic life of digital residents: polls with EIP-712 ballots (polls.py, ballots.py), announcements
(announcements.py), email (mail.py), basic inactivity (inactivity.py), identity lookup (identity.py), KPIs."""
