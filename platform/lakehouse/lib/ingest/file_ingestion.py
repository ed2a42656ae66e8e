"""Exactly-once ingestion of a landing-zone file feed into its Bronze Delta table.

One run ingests every file that is not yet in the ledger as one batch:
  1. plan: batch sequence number N = last ledger batch + 1; new files = landed files - ledger;
  2. append the batch to the Bronze table in one Delta commit, tagged `_batch_id`, written with
     Delta's idempotent-writer options (txnAppId/txnVersion=N), so a concurrent duplicate run of
     the same batch is skipped by Delta itself;
  3. record every file of the batch in the ledger (ingested with its row counts, or rejected).
A crash between 2 and 3 is repaired by the next run: it finds batch N already in the table and
records its files from the table before planning N+1. So no file is ingested twice or lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.lib.delta_tables import read_delta_or_none
from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.landing import LandedFile, list_landed_files
from lakehouse.lib.ingest.ledger import INGESTED, REJECTED, IngestLedger, LedgerEntry
from lakehouse.lib.ingest.readers import SOURCE_FILE, describe_error, read_landed
from lakehouse.lib.ingest.schema_alignment import RESCUED

INGESTED_AT, BATCH_ID = "_ingested_at", "_batch_id"
INGESTION_COLUMNS = (RESCUED, SOURCE_FILE, INGESTED_AT, BATCH_ID)
# Binary files are stored as facts about the file plus its bytes, whatever the feed declares.
BINARY_SCHEMA = "file_path string, size_bytes bigint, modified_at timestamp, sha256 string, content_type string, content binary"


def table_schema(feed: FileFeed) -> StructType:
    """A feed's Bronze table before its first batch: the types its source promises, then the ingestion columns."""
    payload = StructType.fromDDL(BINARY_SCHEMA) if feed.format == "binaryFile" else feed.schema
    ingestion = StructType.fromDDL(f"{RESCUED} string, {SOURCE_FILE} string, {INGESTED_AT} timestamp, {BATCH_ID} string")
    return StructType([*payload.fields, *ingestion.fields])


@dataclass
class IngestReport:
    feed: str
    batch_id: str | None = None
    files_ingested: int = 0
    rows: int = 0
    rescued_rows: int = 0
    rejected: dict[str, str] = field(default_factory=dict)
    recovered_batch: str | None = None

    def metadata(self) -> dict:
        metadata = {
            "batch_id": self.batch_id or "(nothing new)",
            "files_ingested": self.files_ingested,
            "files_rejected": len(self.rejected),
            "rows_ingested": self.rows,
            "rows_with_rescued_data": self.rescued_rows,
        }
        if self.rejected:
            lines = ["| file | reason |", "|---|---|"] + [
                f"| `{path.rsplit('/', 1)[-1]}` | {reason.replace('|', '/')} |" for path, reason in self.rejected.items()
            ]
            metadata["rejected_files"] = dg.MetadataValue.md("\n".join(lines))
        if self.recovered_batch:
            metadata["recovered_batch"] = self.recovered_batch
        return metadata


def ingest_file_feed(
    spark: SparkSession, feed: FileFeed, *, table_uri: str, landing_uri: str, ledger: IngestLedger, log=None
) -> IngestReport:
    report = IngestReport(feed.name)
    landed = list_landed_files(spark, landing_uri, feed.file_glob)
    seq = ledger.last_batch_seq(feed.name) + 1
    if _recover_committed_batch(spark, feed, table_uri, ledger, seq, landed):
        report.recovered_batch = _batch_id(feed, seq)
        seq += 1
    known = ledger.known_files(feed.name)
    new_files = [f for f in landed if f.path not in known]
    if not new_files:
        return report
    batch_id = report.batch_id = _batch_id(feed, seq)
    if log:
        log.info(f"{feed.name}: ingesting {len(new_files)} new file(s) as batch {batch_id}")

    rejected = {f.path: "empty file (0 bytes)" for f in new_files if f.size == 0}
    readable = [f.path for f in new_files if f.size > 0]
    target = _target_schema(spark, feed, table_uri)
    read = read_landed(spark, feed, readable, target)
    rejected.update(read.rejected)
    df = read.df
    try:
        _append(df, feed, table_uri, batch_id, seq)
    except Exception:
        # A file that passed planning can still fail mid-read (a truncated Avro block, say). Find
        # the unreadable files one by one, refuse them with the reason, and write the rest.
        unreadable = _unreadable_files(spark, feed, [p for p in readable if p not in rejected], target)
        if not unreadable:
            raise
        rejected.update(unreadable)
        df = read_landed(spark, feed, [p for p in readable if p not in rejected], target).df
        _append(df, feed, table_uri, batch_id, seq)

    counts = _file_counts(spark, table_uri, batch_id)
    entries = [_entry(f, INGESTED, *counts.get(f.path, (0, 0))) for f in new_files if f.path not in rejected]
    entries += [_entry(f, REJECTED, reason=rejected[f.path]) for f in new_files if f.path in rejected]
    ledger.record(feed.name, batch_id, seq, entries)
    report.files_ingested = sum(e.status == INGESTED for e in entries)
    report.rows = sum(rows for rows, _ in counts.values())
    report.rescued_rows = sum(rescued for _, rescued in counts.values())
    report.rejected = {path: rejected[path] for path in sorted(rejected)}
    return report


def _batch_id(feed: FileFeed, seq: int) -> str:
    return f"{feed.name}-{seq:06d}"


def _target_schema(spark: SparkSession, feed: FileFeed, table_uri: str) -> StructType:
    """The table's current payload schema, or the feed's expected schema before the first batch."""
    table = read_delta_or_none(spark, table_uri)
    if table is None:
        return feed.schema
    return StructType([f for f in table.schema.fields if f.name not in INGESTION_COLUMNS])


def _append(df: DataFrame | None, feed: FileFeed, table_uri: str, batch_id: str, seq: int) -> None:
    if df is None:
        return
    (
        df.withColumn(INGESTED_AT, F.current_timestamp())
        .withColumn(BATCH_ID, F.lit(batch_id))
        .write.format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .option("txnAppId", f"bronze/{feed.name}")
        .option("txnVersion", seq)
        .option("userMetadata", batch_id)
        .save(table_uri)
    )


def _unreadable_files(spark: SparkSession, feed: FileFeed, paths: list[str], target: StructType) -> dict[str, str]:
    unreadable = {}
    for path in paths:
        try:
            read = read_landed(spark, feed, [path], target)
            if read.df is not None:
                read.df.count()
        except Exception as exc:
            unreadable[path] = f"unreadable {feed.format} file: {describe_error(exc)}"
    return unreadable


def _recover_committed_batch(
    spark: SparkSession, feed: FileFeed, table_uri: str, ledger: IngestLedger, seq: int, landed: list[LandedFile]
) -> bool:
    """Record batch `seq` in the ledger if the table holds it but the ledger does not (a crash)."""
    batch_id = _batch_id(feed, seq)
    counts = _file_counts(spark, table_uri, batch_id)
    if not counts:
        return False
    by_path = {f.path: f for f in landed}
    entries = [
        _entry(by_path.get(path, LandedFile(path, 0, None)), INGESTED, rows, rescued)
        for path, (rows, rescued) in counts.items()
    ]
    ledger.record(feed.name, batch_id, seq, entries)
    return True


def _file_counts(spark: SparkSession, table_uri: str, batch_id: str) -> dict[str, tuple[int, int]]:
    """Rows and rescued rows per source file of one batch, read back from the table."""
    table = read_delta_or_none(spark, table_uri)
    if table is None:
        return {}
    rows = (
        table.where(F.col(BATCH_ID) == batch_id)
        .groupBy(SOURCE_FILE)
        .agg(F.count(F.lit(1)).alias("rows"), F.count(RESCUED).alias("rescued"))
        .collect()
    )
    return {r[SOURCE_FILE]: (r["rows"], r["rescued"]) for r in rows}


def _entry(f: LandedFile, status: str, rows: int = 0, rescued: int = 0, reason: str | None = None) -> LedgerEntry:
    return LedgerEntry(f.path, f.size, f.modified_at, status, rows, rescued, reason)
