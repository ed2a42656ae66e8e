"""Incremental reads between layers with Delta's Change Data Feed.

A consumer table records, in its table property `lakehouse.progress`, up to which version it has
folded in each source table. The property is set after the consumer's write succeeded, so a run
that dies before re-reads the same changes; consumers apply changes idempotently (ordered MERGE),
so re-reading them gives the same table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import deltalake
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.lib.delta_tables import table_properties

PROGRESS_PROPERTY = "lakehouse.progress"
CHANGE_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
NOT_WRITTEN = -1  # the version of a source table that does not exist yet


@dataclass(frozen=True)
class Increment:
    source_uri: str
    from_version: int | None  # exclusive; None: the whole table (first run or full refresh)
    to_version: int
    rows: DataFrame


def committed_progress(consumer_uri: str) -> dict[str, int]:
    """Source URI -> last source version folded into the consumer table."""
    return json.loads(table_properties(consumer_uri).get(PROGRESS_PROPERTY, "{}"))


def record_progress(spark: SparkSession, consumer_uri: str, increments: list[Increment]) -> None:
    """Records how far the consumer read each source; a source not written yet is left out, so the run
    that first finds it reads it whole."""
    set_progress(spark, consumer_uri, {i.source_uri: i.to_version for i in increments if i.to_version != NOT_WRITTEN})


def set_progress(spark: SparkSession, consumer_uri: str, progress: dict[str, int]) -> None:
    """Source URI -> the last version of it folded into the consumer table."""
    recorded = json.dumps(progress, sort_keys=True)
    spark.sql(f"ALTER TABLE delta.`{consumer_uri}` SET TBLPROPERTIES ('{PROGRESS_PROPERTY}' = '{recorded}')")


def forget_progress(spark: SparkSession, consumer_uri: str) -> None:
    """Drops the consumer's progress: its next run reads its sources whole."""
    spark.sql(f"ALTER TABLE delta.`{consumer_uri}` UNSET TBLPROPERTIES IF EXISTS ('{PROGRESS_PROPERTY}')")


def read_increment(spark: SparkSession, source_uri: str, since_version: int | None) -> Increment:
    """Rows inserted into `source_uri` after `since_version` (all rows when None).

    Sources are append-only (Bronze) or publish their changes; only inserts and post-update
    images are new facts for the consumer.
    """
    if since_version is None:
        return read_as_of(spark, source_uri, None)
    current = deltalake.DeltaTable(source_uri).version()  # from the log with delta-rs, without a Spark job
    if since_version >= current:
        return Increment(source_uri, since_version, since_version, spark.read.format("delta").load(source_uri).limit(0))
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


def read_as_of(spark: SparkSession, source_uri: str, version: int | None) -> Increment:
    """Every row of `source_uri` as of `version` (the latest when None)."""
    version = deltalake.DeltaTable(source_uri).version() if version is None else version
    rows = spark.read.format("delta").option("versionAsOf", version).load(source_uri)
    return Increment(source_uri, None, version, rows)


def read_not_written(spark: SparkSession, source_uri: str, schema: StructType) -> Increment:
    """A source table that has not been written yet (its source delivered nothing so far) reads as empty."""
    return Increment(source_uri, None, NOT_WRITTEN, spark.createDataFrame([], schema))
