"""Spark steps of the compute tests. A module of its own: a remote Spark driver imports it by name."""

import time

import dagster as dg
from pyspark.sql import functions as F

from lakehouse.lib.compute.step import Checked, DaysApplied, Materialized, spark_step

NUMBERS, DOUBLED = dg.AssetKey(["test", "numbers"]), dg.AssetKey(["test", "doubled"])


def _write_numbers(spark, run):
    storage = run.resources["storage"]
    uri = storage.table_uri(NUMBERS)
    rows = int(run.config.get("rows", 10))
    spark.range(rows).withColumn("square", F.col("id") * F.col("id")).write.format("delta").mode("overwrite").save(uri)
    run.log.info(f"wrote {rows} rows to {uri}")
    schema = dg.TableSchema(columns=[dg.TableColumn("id", "bigint"), dg.TableColumn("square", "bigint")])
    yield Materialized(NUMBERS, {"rows": rows, "summary": dg.MetadataValue.md(f"**{rows}** rows"),
                                 "dagster/column_schema": schema, "run_id_seen": run.run_id})  # fmt: skip
    if dg.AssetCheckKey(NUMBERS, "positive") in run.check_keys:
        negative = spark.read.format("delta").load(uri).where("id < 0").count()
        wanted = run.config.get("fail_check", False)
        yield Checked(NUMBERS, "positive", passed=not wanted and negative == 0, metadata={"negative_rows": negative},
                      description="no negative ids")  # fmt: skip
    yield DaysApplied(NUMBERS, ["2026-01-02"], {"applied_by": "test"})


def _fail_in_spark(spark, run):
    spark.sql("SELECT raise_error('the step broke on purpose')").collect()
    yield from ()


def _run_long(spark, run):
    run.log.info("a long job starts")
    spark.range(4).repartition(4).foreach(lambda _: time.sleep(600))
    yield from ()


WRITE_NUMBERS = spark_step("test/write_numbers", _write_numbers, __name__)
FAIL_IN_SPARK = spark_step("test/fail_in_spark", _fail_in_spark, __name__)
RUN_LONG = spark_step("test/run_long", _run_long, __name__)
