"""Kafka Bronze tables as extra sources of Silver tables: read once they exist, left out until then."""

from collections.abc import Sequence
from dataclasses import replace

import dagster as dg
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.defs.bronze.kafka_topics import BRONZE, KAFKA_FEEDS
from lakehouse.lib.silver import SilverTable
from lakehouse.lib.storage import LakehouseStorage


def kafka_bronze(topic: str) -> dg.AssetKey:
    [feed] = [f for f in KAFKA_FEEDS if f.topic == topic]
    return dg.AssetKey([BRONZE, feed.table])


KAFKA_BRONZE_KEYS = frozenset(kafka_bronze(feed.topic) for feed in KAFKA_FEEDS)


def without_missing_streams(
    tables: Sequence[SilverTable], spark: SparkSession, storage: LakehouseStorage
) -> list[SilverTable]:
    """`tables` without the Kafka sources whose Bronze table does not exist yet (no broker configured,
    or nothing published): their transformation then gets the file feed's rows alone. Progress is
    recorded per source, so the first run that finds the table reads all of it. Each stream is looked
    up once, however many of the tables read it."""
    streams = {key for table in tables for key in table.sources.values() if key in KAFKA_BRONZE_KEYS}
    missing = {key for key in streams if not DeltaTable.isDeltaTable(spark, storage.table_uri(key))}
    return [replace(table, sources={name: key for name, key in table.sources.items() if key not in missing})
            for table in tables]
