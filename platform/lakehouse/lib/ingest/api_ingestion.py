"""Exactly-once ingestion of a paginated REST API into a Bronze Delta table, resumable by cursor.

Every page is one Delta commit that carries its rows together with the cursor it was fetched with
and the cursor of the next page, so the table itself is the cursor store: a run that dies mid-way
(the API goes down, the process is killed) leaves whole pages behind, and the next run continues
from the last committed page. Pages are written with Delta's idempotent-writer options
(txnAppId/txnVersion = page sequence), so a page is never stored twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.lib.delta_tables import read_delta_or_none
from lakehouse.lib.paginated_api import Page
from lakehouse.transforms.bronze_columns import BATCH_ID, INGESTED_AT, RESCUED

CURSOR, NEXT_CURSOR, PAGE_SEQ = "_cursor", "_next_cursor", "_page_seq"


def table_schema(expected_schema: str) -> str:
    """An API's Bronze table before its first page (DDL): the records' fields, then the page's bookkeeping."""
    return (
        f"{expected_schema}, {RESCUED} string, {CURSOR} string, {NEXT_CURSOR} string, {PAGE_SEQ} bigint, "
        f"{INGESTED_AT} timestamp, {BATCH_ID} string"
    )


@dataclass(frozen=True)
class ResumePoint:
    page_seq: int = 0
    cursor: str | None = None
    rows_already_stored: int = 0  # rows of the page at `cursor` that a previous run stored


@dataclass
class ApiIngestReport:
    feed: str
    resumed_from: str | None
    pages: int = 0
    rows: int = 0
    rescued_rows: int = 0
    next_cursor: str | None = None

    def metadata(self) -> dict:
        return {
            "resumed_from_cursor": self.resumed_from or "(start)",
            "pages_fetched": self.pages,
            "rows_ingested": self.rows,
            "rows_with_rescued_data": self.rescued_rows,
            "next_cursor": self.next_cursor or "(caught up)",
        }


def resume_point(spark: SparkSession, table_uri: str) -> ResumePoint:
    """Where the next run starts: after the last committed page.

    When that page was the last one the API had (no next cursor), it is fetched again and the rows
    already stored from it are skipped, so records the API appended to it since are not missed.
    """
    table = read_delta_or_none(spark, table_uri)
    if table is None:
        return ResumePoint()
    last = table.orderBy(F.col(PAGE_SEQ).desc()).select(PAGE_SEQ, CURSOR, NEXT_CURSOR).first()
    if last[NEXT_CURSOR] is not None:
        return ResumePoint(last[PAGE_SEQ], last[NEXT_CURSOR])
    stored = table.where(F.col(CURSOR).eqNullSafe(F.lit(last[CURSOR]))).count()
    return ResumePoint(last[PAGE_SEQ], last[CURSOR], stored)


def ingest_api_pages(
    spark: SparkSession,
    *,
    feed: str,
    expected_schema: str,
    table_uri: str,
    batch_id: str,
    fetch_pages: Callable[[str | None], Iterator[Page]],
) -> ApiIngestReport:
    start = resume_point(spark, table_uri)
    report = ApiIngestReport(feed, resumed_from=start.cursor)
    seq, skip = start.page_seq, start.rows_already_stored
    for page in fetch_pages(start.cursor):
        records, skip = page.records[skip:], 0
        report.next_cursor = page.next_cursor
        if not records:
            continue
        seq += 1
        rows, rescued = _append_page(spark, page, records, expected_schema, table_uri, feed, batch_id, seq)
        report.pages += 1
        report.rows += rows
        report.rescued_rows += rescued
    return report


def _append_page(spark, page: Page, records, expected_schema, table_uri, feed, batch_id, seq) -> tuple[int, int]:
    # Records are parsed with the same lenient JSON rules as landing files: a value that does not
    # fit its type keeps the raw record in _rescued_data, and fields the schema lacks become new
    # (string) columns instead of being dropped by the parser.
    raw = spark.createDataFrame([(json.dumps(r),) for r in records], "value string")
    declared = {f.name.lower() for f in StructType.fromDDL(expected_schema).fields}
    new_fields = sorted({key for r in records for key in r if key.lower() not in declared})
    schema = ", ".join([expected_schema, *(f"`{k}` string" for k in new_fields), f"{RESCUED} string"])
    parsed = F.from_json("value", schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": RESCUED})
    df = (
        raw.select(parsed.alias("r"))
        .select("r.*")
        .withColumn(CURSOR, F.lit(page.cursor).cast("string"))
        .withColumn(NEXT_CURSOR, F.lit(page.next_cursor).cast("string"))
        .withColumn(PAGE_SEQ, F.lit(seq).cast("bigint"))
        .withColumn(INGESTED_AT, F.current_timestamp())
        .withColumn(BATCH_ID, F.lit(batch_id))
    )
    (
        df.write.format("delta")
        .mode("append")
        .option("mergeSchema", "true")
        .option("txnAppId", f"bronze/{feed}")
        .option("txnVersion", seq)
        .save(table_uri)
    )
    return len(records), df.where(F.col(RESCUED).isNotNull()).count()
