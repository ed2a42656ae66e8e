"""The lake's layers. A layer's name is the first part of its assets' keys, their group, their `layer`
tag and their folder below the storage root; one place names them all."""

import dagster as dg

BRONZE, SILVER, ANALYST, GOLD = "bronze", "silver", "analyst", "gold"
LAYERS = (BRONZE, SILVER, ANALYST, GOLD)


def bronze_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([BRONZE, table])


def silver_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([SILVER, table])


def analyst_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([ANALYST, table])


def gold_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([GOLD, table])


def table_name(key: dg.AssetKey) -> str:
    """`silver.orders` for the key silver/orders: how messages and the event log name a table."""
    return ".".join(key.path)
