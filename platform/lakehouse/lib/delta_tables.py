"""Small Delta helpers shared by ingestion and the IO manager."""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession


def read_delta_or_none(spark: SparkSession, uri: str) -> DataFrame | None:
    """The table at `uri`, or None before its first write."""
    if not DeltaTable.isDeltaTable(spark, uri):
        return None
    return spark.read.format("delta").load(uri)
