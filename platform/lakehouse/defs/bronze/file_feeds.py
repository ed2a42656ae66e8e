"""One Bronze asset per landing-zone file feed, built from the feed registry; the ingestion is a Spark
step the `compute` resource runs."""

from collections.abc import Iterator

import dagster as dg
from pyspark.sql import SparkSession

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Materialized, SparkStep, StepRun, spark_step
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.file_ingestion import ingest_file_feed
from lakehouse.lib.ingest.ledger import IngestLedger
from lakehouse.lib.layers import BRONZE, bronze_key, table_name
from lakehouse.lib.storage import LakehouseStorage

KIND_BY_FORMAT = {"binaryFile": "binary"}


def ingestion_step(feed: FileFeed) -> SparkStep:
    key = bronze_key(feed.name)

    def ingest(spark: SparkSession, run: StepRun) -> Iterator[Materialized]:
        storage = run.resources["storage"]
        table_uri = storage.table_uri(key)
        report = ingest_file_feed(
            spark,
            feed,
            table_uri=table_uri,
            landing_uri=storage.landing_uri(feed.landing_path),
            ledger=IngestLedger(spark, storage.system_uri("ingest_ledger")),
            scratch_uri=storage.system_uri("ingest_scratch", feed.name),
            log=run.log,
        )
        ingested = report.batch_id or report.recovered_batch
        table_metadata = delta_table_metadata(table_uri, table_name=table_name(key)) if ingested else {}
        yield Materialized(key, {**report.metadata(), **table_metadata})

    return spark_step(f"bronze/{feed.name}", ingest, __name__)


def bronze_file_feed_asset(feed: FileFeed) -> dg.AssetsDefinition:
    step = ingestion_step(feed)

    @dg.asset(
        key=bronze_key(feed.name),
        group_name=BRONZE,
        description=feed.description,
        kinds={"spark", "delta", KIND_BY_FORMAT.get(feed.format, feed.format)},
        owners=["team:data-platform"],
        tags={"source_system": feed.source_system, "layer": BRONZE},
        metadata={"landing_path": f"landing/{feed.landing_path}", "file_types": feed.file_types},
        pool=step.name,
    )
    def _bronze(context: dg.AssetExecutionContext, compute: SparkCompute, storage: LakehouseStorage):
        yield from compute.run(context, step, storage=storage)

    return _bronze


# Built on import: a remote Spark driver finds the steps by importing this module.
FILE_FEED_ASSETS = [bronze_file_feed_asset(feed) for feed in FILE_FEEDS]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=FILE_FEED_ASSETS)
