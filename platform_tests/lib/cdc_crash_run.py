"""Applies a large SCD1 batch in a Spark process of its own, for a test to kill in the middle of the MERGE.

Usage: python cdc_crash_run.py TARGET_URI SCRATCH_DIR
"""

from __future__ import annotations

import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.cdc_merge import ChangeSpec, apply_scd1
from lakehouse.lib.spark.session import local_spark_config

KEYS = 100_000
SPEC = ChangeSpec(keys=("id",))


def large_batch(spark: SparkSession) -> DataFrame:
    """Two changes per key, 200k rows: a create, then an update with a higher sequence."""
    return spark.range(2 * KEYS).select(
        (F.col("id") % KEYS).alias("id"),
        F.concat(F.lit("name-"), F.col("id").cast("string")).alias("name"),
        F.when(F.col("id") < KEYS, "c").otherwise("u").alias("_op"),
        F.col("id").alias("_sequence"),
        F.timestamp_seconds("id").alias("_event_ts"),
    )


if __name__ == "__main__":
    target_uri, scratch_dir = sys.argv[1:]
    spark = SparkSession.builder.config(map=local_spark_config(scratch_dir)).getOrCreate()
    apply_scd1(spark, target_uri, large_batch(spark), SPEC)
