"""The residency programme (MIC furusato resident registration): identity, activities and rotating-QR
check-ins, premium eligibility/renewal/caps, registration with a city and its prefecture, KPIs."""
