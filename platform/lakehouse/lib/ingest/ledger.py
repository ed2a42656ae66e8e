"""The ingestion ledger: one Delta row per landing file, ingested or rejected, and in which batch.

It is the cursor of file ingestion (a file in the ledger is never read again) and the audit trail
users query to see what arrived, when, and what was refused and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.delta_tables import read_delta_or_none

# A DDL string, not a StructType: parsing DDL needs a running Spark session.
LEDGER_SCHEMA = (
    "feed string, source_file string, file_size bigint, file_modified_at timestamp, batch_id string, "
    "batch_seq bigint, status string, rows bigint, rescued_rows bigint, reason string, recorded_at timestamp"
)
INGESTED, REJECTED = "ingested", "rejected"


@dataclass(frozen=True)
class LedgerEntry:
    source_file: str
    file_size: int
    file_modified_at: datetime
    status: str
    rows: int = 0
    rescued_rows: int = 0
    reason: str | None = None


class IngestLedger:
    def __init__(self, spark: SparkSession, uri: str):
        self.spark = spark
        self.uri = uri

    def _entries(self, feed: str) -> DataFrame | None:
        df = read_delta_or_none(self.spark, self.uri)
        return None if df is None else df.where(F.col("feed") == feed)

    def known_files(self, feed: str) -> set[str]:
        df = self._entries(feed)
        return set() if df is None else {r[0] for r in df.select("source_file").distinct().collect()}

    def last_batch_seq(self, feed: str) -> int:
        df = self._entries(feed)
        if df is None:
            return 0
        return df.agg(F.max("batch_seq")).first()[0] or 0

    def record(self, feed: str, batch_id: str, batch_seq: int, entries: list[LedgerEntry]) -> None:
        if not entries:
            return
        now = datetime.now(UTC)
        rows = [
            (
                feed,
                e.source_file,
                e.file_size,
                e.file_modified_at,
                batch_id,
                batch_seq,
                e.status,
                e.rows,
                e.rescued_rows,
                e.reason,
                now,
            )
            for e in entries
        ]
        self.spark.createDataFrame(rows, LEDGER_SCHEMA).write.format("delta").mode("append").save(self.uri)
