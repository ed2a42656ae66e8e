"""Exactly-once ingestion of a landing-zone file feed into its Bronze Delta table.

One run ingests every file that is not yet in the ledger as one batch:
  1. plan: batch sequence number N = last ledger batch + 1; new files = landed files - ledger;
  2. append the batch to the Bronze table in one Delta commit, tagged `_batch_id`, written with
     Delta's idempotent-writer options (txnAppId/txnVersion=N), so a concurrent duplicate run of
     the same batch is skipped by Delta itself;
  3. record every file of the batch in the ledger: ingested with its row counts, or rejected with
     the reason (not the feed's type, empty, unreadable, or failing on its own when the append fails).
A crash between 2 and 3 is repaired by the next run: it finds batch N already in the table and
records its files from the table before planning N+1. So no file is ingested twice or lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import unquote

import dagster as dg
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.lib.delta_tables import STATS_COLUMNS, read_delta_or_none, stats_columns_without_times
from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.landing import LandedFile, list_landed_files
from lakehouse.lib.ingest.ledger import INGESTED, REJECTED, IngestLedger, LedgerEntry
from lakehouse.lib.ingest.readers import aborted_on_object_like_text, describe_error, read_landed
from lakehouse.transforms.bronze_columns import BATCH_ID, INGESTED_AT, RESCUED, SOURCE_FILE

INGESTION_COLUMNS = (RESCUED, SOURCE_FILE, INGESTED_AT, BATCH_ID)
# Binary files are stored as facts about the file plus its bytes, whatever the feed declares.
BINARY_SCHEMA = (
    "file_path string, size_bytes bigint, modified_at timestamp, sha256 string, content_type string, content binary"
)


def table_schema(feed: FileFeed) -> StructType:
    """A feed's Bronze table before its first batch: the types its source promises, then the ingestion columns."""
    payload = StructType.fromDDL(BINARY_SCHEMA) if feed.format == "binaryFile" else feed.schema
    ingestion = StructType.fromDDL(
        f"{RESCUED} string, {SOURCE_FILE} string, {INGESTED_AT} timestamp, {BATCH_ID} string"
    )
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
                f"| `{unquote(path.rsplit('/', 1)[-1])}` | {reason.replace('|', '/')} |"
                for path, reason in self.rejected.items()
            ]
            metadata["rejected_files"] = dg.MetadataValue.md("\n".join(lines))
        if self.recovered_batch:
            metadata["recovered_batch"] = self.recovered_batch
        return metadata


def ingest_file_feed(
    spark: SparkSession,
    feed: FileFeed,
    *,
    table_uri: str,
    landing_uri: str,
    ledger: IngestLedger,
    scratch_uri: str,
    log=None,
) -> IngestReport:
    """Ingest the feed's new files; `scratch_uri` is a folder for trial writes when a batch fails."""
    report = IngestReport(feed.name)
    landed = list_landed_files(spark, landing_uri)
    seq = ledger.last_batch_seq(feed.name) + 1
    if _recover_committed_batch(spark, feed, table_uri, ledger, seq, landed):
        report.recovered_batch = _batch_id(feed, seq)
        seq += 1
    known = ledger.known_files(feed.name)
    # Ledgers written before files were recorded by URI hold Hadoop's path string.
    new_files = [f for f in landed if f.path not in known and f.hadoop_path not in known]
    if not new_files:
        return report
    batch_id = report.batch_id = _batch_id(feed, seq)
    if log:
        log.info(f"{feed.name}: ingesting {len(new_files)} new file(s) as batch {batch_id}")

    rejected = _refused_by_name_or_size(feed, new_files)
    target = _target_schema(spark, feed, table_uri)
    batch = [f for f in new_files if f.path not in rejected]
    append = partial(_append, feed=feed, table_uri=table_uri, batch_id=batch_id, seq=seq)
    rejected.update(_write_batch(spark, feed, batch, target, append, table_uri=table_uri, scratch_uri=scratch_uri))

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


def _refused_by_name_or_size(feed: FileFeed, files: list[LandedFile]) -> dict[str, str]:
    refused = {}
    for f in files:
        reason = feed.refusal(f.name) or ("empty file (0 bytes)" if f.size == 0 else None)
        if reason:
            refused[f.path] = reason
    return refused


def _target_schema(spark: SparkSession, feed: FileFeed, table_uri: str) -> StructType:
    """The table's current payload schema, or the feed's expected schema before the first batch."""
    table = read_delta_or_none(spark, table_uri)
    if table is None:
        return feed.schema
    return StructType([f for f in table.schema.fields if f.name not in INGESTION_COLUMNS])


def _write_batch(
    spark: SparkSession,
    feed: FileFeed,
    files: list[LandedFile],
    target: StructType,
    append: Callable[[DataFrame | None], None],
    *,
    table_uri: str,
    scratch_uri: str,
) -> dict[str, str]:
    """Append `files` in one commit; returns the files refused on the way.

    If the append fails, the files that fail on their own are refused and the others appended. If none
    does, the failure is not a file's (the store, say): it is raised, and the next run tries again.
    """
    try:
        return _read_and_append(spark, feed, files, target, append)
    except Exception:
        failing = _failing_alone(spark, feed, files, target, table_uri, scratch_uri)
        if not failing:
            raise
        rest = [f for f in files if f.path not in failing]
        return {**failing, **_read_and_append(spark, feed, rest, target, append)}


def _read_and_append(
    spark: SparkSession,
    feed: FileFeed,
    files: list[LandedFile],
    target: StructType,
    append: Callable[[DataFrame | None], None],
) -> dict[str, str]:
    try:
        read = read_landed(spark, feed, files, target)
        append(read.df)
    except Exception as exc:
        if not aborted_on_object_like_text(exc):
            raise
        # A JSON text started like an object: read the batch again the exact, slower way (see read_landed).
        # The aborted write leaves files no commit names; VACUUM deletes them.
        read = read_landed(spark, feed, files, target, variant_texts=True)
        append(read.df)
    return read.rejected


def _failing_alone(
    spark: SparkSession, feed: FileFeed, files: list[LandedFile], target: StructType, table_uri: str, scratch_uri: str
) -> dict[str, str]:
    """The files that fail when read and written alone, each to a scratch table with the table's schema
    (so a type the table cannot merge fails too), deleted afterwards."""
    table = read_delta_or_none(spark, table_uri)
    failing = {}
    for f in files:
        scratch = f"{scratch_uri.rstrip('/')}/{uuid.uuid4().hex}"
        try:
            if table is not None:
                table.limit(0).write.format("delta").save(scratch)
            _append(read_landed(spark, feed, [f], target, variant_texts=True).df, feed, scratch, "trial", 1)
        except Exception as exc:
            failing[f.path] = f"{feed.format} file fails when read and written on its own: {describe_error(exc)}"
        finally:
            _delete(spark, scratch)
    return failing


def _delete(spark: SparkSession, uri: str) -> None:
    path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(uri)
    path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def _append(df: DataFrame | None, feed: FileFeed, table_uri: str, batch_id: str, seq: int) -> None:
    if df is None:
        return
    batch = df.withColumn(INGESTED_AT, F.current_timestamp()).withColumn(BATCH_ID, F.lit(batch_id))
    (
        batch.write.format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .option("txnAppId", f"bronze/{feed.name}")
        .option("txnVersion", seq)
        .option("userMetadata", batch_id)
        .option(
            STATS_COLUMNS, stats_columns_without_times(batch.schema)
        )  # a table property: set when the table is created
        .save(table_uri)
    )


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
