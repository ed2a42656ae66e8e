"""One Bronze asset per landing-zone file feed, built from the feed registry."""

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.file_ingestion import ingest_file_feed
from lakehouse.lib.ingest.ledger import IngestLedger
from lakehouse.lib.layers import BRONZE, bronze_key, table_name
from lakehouse.lib.storage import LakehouseStorage

KIND_BY_FORMAT = {"binaryFile": "binary"}


def bronze_file_feed_asset(feed: FileFeed) -> dg.AssetsDefinition:
    @dg.asset(
        key=bronze_key(feed.name),
        group_name=BRONZE,
        description=feed.description,
        kinds={"spark", "delta", KIND_BY_FORMAT.get(feed.format, feed.format)},
        owners=["team:data-platform"],
        tags={"source_system": feed.source_system, "layer": BRONZE},
        metadata={"landing_path": f"landing/{feed.landing_path}", "file_types": feed.file_types},
    )
    def _bronze(context: dg.AssetExecutionContext, spark: LazyPySparkResource, storage: LakehouseStorage):
        session = spark.spark_session
        table_uri = storage.table_uri(context.asset_key)
        report = ingest_file_feed(
            session,
            feed,
            table_uri=table_uri,
            landing_uri=storage.landing_uri(feed.landing_path),
            ledger=IngestLedger(session, storage.system_uri("ingest_ledger")),
            scratch_uri=storage.system_uri("ingest_scratch", feed.name),
            log=context.log,
        )
        table_metadata = (
            delta_table_metadata(table_uri, table_name=table_name(context.asset_key))
            if report.batch_id or report.recovered_batch
            else {}
        )
        return dg.MaterializeResult(metadata={**report.metadata(), **table_metadata})

    return _bronze


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[bronze_file_feed_asset(feed) for feed in FILE_FEEDS])
