"""Small Delta helpers shared by ingestion, the IO manager and the Silver tables."""

from __future__ import annotations

import deltalake
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession


def read_delta_or_none(spark: SparkSession, uri: str) -> DataFrame | None:
    """The table at `uri`, or None before its first write."""
    if not DeltaTable.isDeltaTable(spark, uri):
        return None
    return spark.read.format("delta").load(uri)


def table_properties(uri: str) -> dict[str, str]:
    """A Delta table's properties ({} before its first commit).

    Read from the log with delta-rs in milliseconds, where Spark's DESCRIBE DETAIL runs a job that
    rebuilds the table's state: a second or more per table on every run.
    """
    if not deltalake.DeltaTable.is_deltatable(uri):
        return {}
    return dict(deltalake.DeltaTable(uri).metadata().configuration)


def last_commit(uri: str) -> dict:
    """The newest commit's info: `version`, `operation`, `operationMetrics` (values as Delta wrote them).

    From the log with delta-rs: Spark's `history()` runs a job for the same few bytes.
    """
    [commit] = deltalake.DeltaTable(uri).history(1)
    return commit
