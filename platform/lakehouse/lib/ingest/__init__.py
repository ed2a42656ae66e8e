"""Exactly-once ingestion of landing-zone files into Bronze Delta tables."""
