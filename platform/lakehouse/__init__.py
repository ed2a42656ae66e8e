"""Lakehouse platform: Bronze, Silver and Gold Delta tables as Dagster software-defined assets."""
