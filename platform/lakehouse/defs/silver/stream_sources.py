"""Kafka Bronze tables as extra sources of Silver tables (read as empty until their first record)."""

import dagster as dg

from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS
from lakehouse.lib.layers import bronze_key


def kafka_bronze(topic: str) -> dg.AssetKey:
    [feed] = [f for f in KAFKA_FEEDS if f.topic == topic]
    return bronze_key(feed.table)


KAFKA_BRONZE_KEYS = frozenset(kafka_bronze(feed.topic) for feed in KAFKA_FEEDS)
