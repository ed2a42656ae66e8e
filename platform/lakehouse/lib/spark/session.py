"""Spark session settings for the local target.

The session is created through dagster-pyspark's `LazyPySparkResource`, whose builder calls
`getOrCreate()`: every asset and check in one run process shares one JVM.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lakehouse.lib.spark.jars import resolve_jars

LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")

DELTA_SQL_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def local_spark_config(scratch_dir: str | Path, *, driver_memory: str | None = None) -> dict[str, str]:
    """Config for an in-process `local[*]` Spark with Delta Lake, bound to loopback only."""
    scratch = Path(scratch_dir)
    # Keep the JVM's own sockets (block manager, RPC) on loopback too.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (UDFs) must run this interpreter, which has the project's packages; pyspark
    # reads the variable, not the `spark.pyspark.python` setting, when it starts the context.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return {
        "spark.master": os.environ.get("LAKEHOUSE_SPARK_MASTER", "local[*]"),
        "spark.app.name": "lakehouse",
        "spark.jars": ",".join(str(p) for p in resolve_jars()),
        **DELTA_SQL_CONF,
        "spark.driver.memory": driver_memory or os.environ.get("LAKEHOUSE_SPARK_DRIVER_MEMORY", "4g"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Small machines: few shuffle partitions, and let AQE coalesce them further.
        "spark.sql.shuffle.partitions": os.environ.get("LAKEHOUSE_SHUFFLE_PARTITIONS", "8"),
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        # Spark keeps the classes it generates and compiles for plans in a cache of 100 by default; one
        # Silver refresh uses some 640 (Delta's log-state queries, MERGEs, commits per table), so a
        # process that runs refresh after refresh generated, compiled and JIT-compiled them again each
        # time (README, Benchmarks).
        "spark.sql.codegen.cache.maxEntries": "2000",
        "spark.sql.warehouse.dir": str(scratch / "spark-warehouse"),
        "spark.local.dir": str(scratch / "spark-tmp"),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={scratch / 'derby'} -Dlog4j2.configurationFile={LOG4J2_CONFIG}"
        ),
        # Delta rebuilds table state with 50 tasks by default: far too many for a laptop-sized table log.
        "spark.databricks.delta.snapshotPartitions": "2",
        # Delta's VACUUM lists a table's files with this many tasks (Spark's default: 10,000): some 40 s
        # for a table of a few files on two cores, 3-4 s with 8.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        # Every table publishes its row-level changes, so each layer reads only what the one
        # below it added since its last run.
        "spark.databricks.delta.properties.defaults.enableChangeDataFeed": "true",
        "spark.databricks.delta.optimizeWrite.enabled": "false",
        "spark.sql.files.ignoreCorruptFiles": "false",
        # Spark's default, INT96, is read as nanoseconds by delta-rs: years past 2262 or before 1677 fail.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        # Landing files come in legacy code pages (windows-1252, ...) that Spark 4's readers refuse by default.
        "spark.sql.legacy.javaCharsets": "true",
    }
