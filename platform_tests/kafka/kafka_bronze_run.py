"""Materializes one Kafka Bronze asset in a Spark process of its own, for a test to kill mid-stream.

Usage: python kafka_bronze_run.py ROOT_URI SCRATCH_DIR BOOTSTRAP_SERVERS TABLE MAX_OFFSETS_PER_TRIGGER
"""

import sys

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS, bronze_kafka_asset
from lakehouse.lib.compute.in_process import InProcessCompute
from lakehouse.lib.kafka.cluster import KafkaCluster
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage

if __name__ == "__main__":
    root_uri, scratch_dir, bootstrap, table, max_offsets = sys.argv[1:]
    asset = bronze_kafka_asset(next(feed for feed in KAFKA_FEEDS if feed.table == table))
    dg.materialize(
        [asset],
        resources={
            "compute": InProcessCompute(spark=LazyPySparkResource(spark_config=local_spark_config(scratch_dir))),
            "storage": LakehouseStorage(root_uri=root_uri),
            "kafka": KafkaCluster(bootstrap_servers=bootstrap),
        },
        run_config={"ops": {asset.op.name: {"config": {"max_offsets_per_trigger": int(max_offsets)}}}},
    )
