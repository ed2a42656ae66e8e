"""Reusable building blocks: compute resources, storage, IO managers, ingestion."""
