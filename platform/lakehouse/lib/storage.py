"""Where tables live: one root URI per deployment, one folder (or catalog name) per asset key.

The root is a URI so the same code addresses a local folder, `s3a://bucket/prefix` or
`abfss://container@account.dfs.core.windows.net/prefix`. Asset code never builds paths itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg
import fsspec
from fsspec import AbstractFileSystem

# Spark reaches S3 through Hadoop's s3a:// connector; fsspec (s3fs) calls the same objects s3://.
_FSSPEC_SCHEMES = {"s3a": "s3"}


def join_uri(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def filesystem_for(uri: str) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem holding `uri` and the path within it, for reading and writing outside Spark."""
    scheme, separator, rest = uri.partition("://")
    return fsspec.core.url_to_fs(f"{_FSSPEC_SCHEMES.get(scheme, scheme)}{separator}{rest}" if separator else uri)


def exists(uri: str) -> bool:
    filesystem, path = filesystem_for(uri)
    return filesystem.exists(path)


def write_bytes(uri: str, content: bytes) -> None:
    filesystem, path = filesystem_for(uri)
    filesystem.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    filesystem.pipe_file(path, content)


def is_local(uri: str) -> bool:
    return urlparse(uri).scheme == "file"


def local_path(uri: str) -> Path:
    """The path of a file:// URI."""
    return Path(unquote(urlparse(uri).path))


class LakehouseStorage(dg.ConfigurableResource):
    """The storage root of a deployment: Bronze/Silver/Gold tables and the landing zone below it."""

    root_uri: str
    # On a branch deployment: the production lake its tables were cloned from. Only ever read.
    production_root_uri: str | None = None

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
