"""Analyst-facing tables: Silver with personal data hashed, for analysts and notebooks."""
