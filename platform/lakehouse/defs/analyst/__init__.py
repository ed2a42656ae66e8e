"""Analyst-facing tables: Silver with personal data hashed, for dashboards, notebooks and Gold."""
