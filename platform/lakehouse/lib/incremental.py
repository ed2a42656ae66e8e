"""Incremental reads between layers with Delta's Change Data Feed.

A consumer table remembers, in the commit that wrote it, up to which version it has read each of
its source tables (Delta commit `userMetadata`). The progress is therefore committed atomically
with the data: a run that dies before its commit re-reads the same changes, a run that committed
never reads them again.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

PROGRESS_KEY = "lakehouse.progress"
CHANGE_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
_USER_METADATA_CONF = "spark.databricks.delta.commitInfo.userMetadata"


@dataclass(frozen=True)
class Increment:
    source_uri: str
    from_version: int | None  # exclusive; None: read the whole table (first run or full refresh)
    to_version: int
    rows: DataFrame

    @property
    def is_full(self) -> bool:
        return self.from_version is None


def committed_progress(spark: SparkSession, consumer_uri: str) -> dict[str, int]:
    """Source URI -> last source version folded into the consumer table, from its commit history."""
    if not DeltaTable.isDeltaTable(spark, consumer_uri):
        return {}
    for row in DeltaTable.forPath(spark, consumer_uri).history().select("userMetadata").collect():
        if row[0] and row[0].startswith("{") and PROGRESS_KEY in row[0]:
            return json.loads(row[0])[PROGRESS_KEY]
    return {}


def read_increment(spark: SparkSession, source_uri: str, since_version: int | None) -> Increment:
    """Rows inserted into `source_uri` after `since_version` (all rows when None).

    Sources are append-only (Bronze) or publish their changes; only inserts and post-update
    images are new facts for the consumer.
    """
    current = DeltaTable.forPath(spark, source_uri).history(1).select("version").first()[0]
    if since_version is None:
        return Increment(source_uri, None, current, spark.read.format("delta").option("versionAsOf", current).load(source_uri))
    if since_version >= current:
        empty = spark.read.format("delta").load(source_uri).limit(0)
        return Increment(source_uri, since_version, since_version, empty)
    changes = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", since_version + 1)
        .option("endingVersion", current)
        .load(source_uri)
        .where(F.col("_change_type").isin("insert", "update_postimage"))
        .drop(*CHANGE_COLUMNS)
    )
    return Increment(source_uri, since_version, current, changes)


@contextmanager
def committing_progress(spark: SparkSession, progress: dict[str, int]):
    """Attach `progress` to every Delta commit made inside the block (the consumer's write)."""
    spark.conf.set(_USER_METADATA_CONF, json.dumps({PROGRESS_KEY: progress}))
    try:
        yield
    finally:
        spark.conf.unset(_USER_METADATA_CONF)
