"""Dagster definitions, one folder per layer; loaded by `lakehouse.definitions`."""
