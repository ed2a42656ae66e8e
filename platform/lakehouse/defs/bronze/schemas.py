"""The schema of every Bronze table before its first write: what its consumers read as empty until
its source delivers."""

import dagster as dg
from pyspark.sql.types import StructType

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.defs.bronze.fx_rates import FX_RATES_SCHEMA
from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS
from lakehouse.lib.ingest import api_ingestion, kafka_stream
from lakehouse.lib.ingest.file_ingestion import table_schema


def bronze_table_schema(key: dg.AssetKey) -> StructType:
    name = key.path[-1]
    files = {feed.name: feed for feed in FILE_FEEDS}
    if name in files:
        return table_schema(files[name])
    if name in {feed.table for feed in KAFKA_FEEDS}:
        return StructType.fromDDL(kafka_stream.TABLE_SCHEMA)
    if name == "fx_rates":
        return StructType.fromDDL(api_ingestion.table_schema(FX_RATES_SCHEMA))
    raise KeyError(f"{key.to_user_string()} is not a Bronze table")
