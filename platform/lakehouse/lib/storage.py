"""Where tables live: one root URI per deployment, one folder (or catalog name) per asset key.

The root is a URI so the same code addresses a local folder, `s3a://bucket/prefix` or
`abfss://container@account.dfs.core.windows.net/prefix`. Asset code never builds paths itself.
"""

from __future__ import annotations

import dagster as dg


def join_uri(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


class LakehouseStorage(dg.ConfigurableResource):
    """The storage root of a deployment: Bronze/Silver/Gold tables and the landing zone below it."""

    root_uri: str

    def table_uri(self, asset_key: dg.AssetKey) -> str:
        """`<root>/<layer>/<table>` for an asset key such as ["bronze", "clickstream"]."""
        return self.table_uri_for(*asset_key.path)

    def table_uri_for(self, layer: str, table: str) -> str:
        return join_uri(self.root_uri, layer, table)

    def landing_uri(self, *parts: str) -> str:
        return join_uri(self.root_uri, "landing", *parts)

    def system_uri(self, *parts: str) -> str:
        """Platform bookkeeping (ingestion ledgers, stream checkpoints) kept beside the data."""
        return join_uri(self.root_uri, "_system", *parts)
