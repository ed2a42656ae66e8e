"""The fixed cost of one small Delta operation on this machine, against a trivial Spark job.

    python bench/delta_operation_cost.py [--conf KEY=VALUE ...]

A small incremental refresh pays mostly fixed costs: per table, a MERGE, a commit of the progress
and an append or two, whatever the batch's size. This times each on a table of a thousand rows
(median of `--repeat`), with the platform's local Spark settings, and prints it in seconds and in
trivial Spark jobs (`spark.range(1000).count()`). With `--conf`, runtime SQL settings (Delta's or
Spark's) are set afterwards and the same operations timed again in the same session, so a setting's
effect is read against the defaults of the same run.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path

from dagster_pyspark import LazyPySparkResource
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.lib.spark.session import local_spark_config


def median_seconds(operation: Callable[[int], object], repeat: int) -> float:
    times = []
    for i in range(repeat):
        started = time.monotonic()
        operation(i)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def operation_costs(spark: SparkSession, uri: str, repeat: int) -> dict[str, float]:
    spark.range(1000).write.format("delta").mode("overwrite").save(uri)
    table = DeltaTable.forPath(spark, uri)
    batches = count()

    def merge(_):
        start = next(batches) * 10
        source = spark.range(start, start + 50).alias("s")
        table.alias("t").merge(source, "t.id = s.id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()

    return {
        "trivial Spark job (baseline)": median_seconds(lambda _: spark.range(1000).count(), repeat),
        "append of 100 rows": median_seconds(
            lambda _: spark.range(100).write.format("delta").mode("append").save(uri), repeat
        ),
        "commit of a table property": median_seconds(
            lambda i: spark.sql(f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ('bench.run' = '{i}')"), repeat
        ),
        "MERGE of 50 rows (upsert)": median_seconds(merge, repeat),
    }


def print_costs(title: str, costs: dict[str, float], defaults: dict[str, float] | None = None) -> None:
    baseline = costs["trivial Spark job (baseline)"]
    print(f"\n{title}")
    print(f"{'operation':32} {'s':>7} {'x baseline':>11}" + (f" {'x defaults':>11}" if defaults else ""))
    for name, seconds in costs.items():
        line = f"{name:32} {seconds:7.3f} {seconds / baseline:11.1f}"
        print(line + (f" {seconds / defaults[name]:11.2f}" if defaults else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a runtime SQL setting to time against the defaults (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    overrides = dict(setting.split("=", 1) for setting in args.conf)

    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-delta-") as scratch:
        workdir = Path(scratch)
        spark = LazyPySparkResource(spark_config=local_spark_config(workdir / "spark")).spark_session
        # A first pass warms the JVM (class loading, JIT) for both measured passes.
        operation_costs(spark, (workdir / "warm-up").as_uri(), repeat=3)
        defaults = operation_costs(spark, (workdir / "defaults").as_uri(), args.repeat)
        print_costs("platform defaults", defaults)
        if overrides:
            for key, value in overrides.items():
                spark.conf.set(key, value)
            print_costs(
                ", ".join(args.conf), operation_costs(spark, (workdir / "overrides").as_uri(), args.repeat), defaults
            )
        spark.stop()


if __name__ == "__main__":
    main()
