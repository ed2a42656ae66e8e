"""Helpers of the file-ingestion tests: a feed, its landing folder, one ingestion run and what it wrote."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from pyspark.sql import DataFrame

from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.file_ingestion import IngestReport, ingest_file_feed
from lakehouse.lib.ingest.ledger import IngestLedger


def feed_of(fmt: str, schema: str, **options) -> FileFeed:
    return FileFeed(
        name=f"t_{fmt.lower()}",
        source_system="test",
        landing_path=fmt,
        format=fmt,
        expected_schema=schema,
        description="test feed",
        **options,
    )


def landing(lake_root: Path, feed: FileFeed) -> Path:
    folder = lake_root / "landing" / feed.landing_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def ingest(spark, storage, feed: FileFeed) -> IngestReport:
    return ingest_file_feed(
        spark,
        feed,
        table_uri=storage.table_uri_for("bronze", feed.name),
        landing_uri=storage.landing_uri(feed.landing_path),
        ledger=IngestLedger(spark, storage.system_uri("ingest_ledger")),
        scratch_uri=storage.system_uri("ingest_scratch"),
    )


def table(spark, storage, feed: FileFeed) -> DataFrame:
    return spark.read.format("delta").load(storage.table_uri_for("bronze", feed.name))


def ledger(spark, storage) -> DataFrame:
    return spark.read.format("delta").load(storage.system_uri("ingest_ledger"))


def by_name(paths: dict[str, str]) -> dict[str, str]:
    """{file URI: x} as {file name: x}."""
    return {unquote(path.rsplit("/", 1)[-1]): value for path, value in paths.items()}
