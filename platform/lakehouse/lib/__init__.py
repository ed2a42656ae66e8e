"""Reusable building blocks: compute resources, storage, ingestion, quality, CDC."""
