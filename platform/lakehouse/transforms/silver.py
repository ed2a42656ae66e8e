"""Bronze rows -> standardised flat change rows for each Silver table. Pure: no I/O, no Dagster.

Every function returns the change-row shape of lakehouse.transforms.cdc (payload, `_op`,
`_sequence`, `_event_ts`, `_invalid_reason`), so all Silver tables share one MERGE path.
"""

import re
from datetime import UTC, datetime, timedelta
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.transforms.bronze_columns import SOURCE_FILE
from lakehouse.transforms.cdc import (
    EVENT_TS,
    INVALID_REASON,
    READ,
    SEQUENCE,
    flatten_debezium,
    row_changes,
    snapshot_changes,
    timestamp_from_millis,
)
from lakehouse.transforms.kafka_records import with_stream
from lakehouse.transforms.standardize import clean_email, clean_string, e164_phone, iso_country, iso_currency

CUSTOMER_KEY = ["customer_id"]
CUSTOMER_ATTRIBUTES = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "postal_code",
    "country",
    "updated_at",
]
# A dated extract's name, as a delivery may spell it: any case, compressed or not.
_EXTRACT_DATE = re.compile(r"customers_(\d{8})\.csv(\.gz|\.bz2)?$", re.IGNORECASE)
UNDATED = "not in a dated extract (customers_YYYYMMDD.csv): its changes cannot be placed in time"


def _standard_customer(df: DataFrame) -> DataFrame:
    country = iso_country(F.col("country"))
    return df.withColumns(
        {
            "first_name": clean_string(F.col("first_name")),
            "last_name": clean_string(F.col("last_name")),
            "email": clean_email(F.col("email")),
            "phone": e164_phone(F.col("phone"), country),
            "street": clean_string(F.col("street")),
            "city": clean_string(F.col("city")),
            "postal_code": F.upper(clean_string(F.col("postal_code"))),
            "country": country,
        }
    )


def _micros_then_lsn(event_ts: Column, lsn: Column) -> Column:
    # The change feed (ordered by LSN) and the daily extracts (ordered by extract time) describe one
    # history; both are sequenced by time in microseconds so they interleave correctly, the LSN's
    # last digits breaking ties between changes in the same millisecond.
    return F.unix_micros(event_ts) + F.pmod(lsn, F.lit(1000))


def customer_changes(
    change_feed: DataFrame,
    extracts: DataFrame,
    extract_history: DataFrame,
    change_stream: DataFrame | None = None,
) -> DataFrame:
    """The CRM change feed (files and Kafka) plus the changes seen between consecutive daily extracts.

    `extracts` are the new extract rows; `extract_history` all extract rows, to find each new
    extract's predecessor for the snapshot diff.
    """
    feed = flatten_debezium(with_stream(change_feed, change_stream), CUSTOMER_KEY)
    feed = feed.withColumn(SEQUENCE, _micros_then_lsn(F.col(EVENT_TS), F.col(SEQUENCE)))
    return _standard_customer(feed.unionByName(extract_changes(extracts, extract_history)))


def extract_changes(new_rows: DataFrame, history: DataFrame) -> DataFrame:
    """Snapshot diff of every new daily extract against the extract before it.

    An extract arrives whole in one Bronze batch, so its rows are read from the new rows; the extract
    before it from the history, by file name: Parquet's row-group statistics on `_source_file` let Spark
    skip the files of every other extract, where matching a pattern would read them all.
    """
    # Columns an extract gained on the way (schema evolution in Bronze) are not customer attributes.
    payload = CUSTOMER_ATTRIBUTES
    new_files, undated = _extract_files(new_rows)
    changes = [_undated_rows(new_rows, undated, payload)]
    files, _ = _extract_files(history) if new_files else ({}, [])

    def extract(day: str) -> DataFrame:
        # The new rows hold a day's extract when every file of it is new (always, but for a day landed twice).
        return _extract_rows(new_rows if new_files.get(day) == files[day] else history, files[day]).select(payload)

    days = sorted(files)
    for i, day in enumerate(days):
        if day not in new_files:
            continue
        # An extract is taken at the end of the day it is named after.
        taken_at = datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=1)
        changes.append(
            snapshot_changes(
                extract(days[i - 1]) if i else None,
                extract(day),
                CUSTOMER_KEY,
                sequence=int(taken_at.timestamp()) * 1_000_000,
                event_ts=taken_at,
            )
        )
    return reduce(DataFrame.unionByName, changes)


def _undated_rows(rows: DataFrame, files: list[str], payload: list[str]) -> DataFrame:
    """The rows of files that are no dated extract, as changes that cannot be applied (quarantined)."""
    undated = _extract_rows(rows, files).select(payload) if files else rows.select(payload).limit(0)
    changes = snapshot_changes(None, undated, CUSTOMER_KEY, sequence=0, event_ts=datetime.min)
    return changes.withColumn(INVALID_REASON, F.lit(UNDATED))


def _extract_files(rows: DataFrame) -> tuple[dict[str, list[str]], list[str]]:
    """Extract day -> the files of that day's extract (usually one), from the distinct file names alone;
    and the files whose name carries no valid day."""
    days: dict[str, list[str]] = {}
    undated = []
    for (path,) in rows.select(SOURCE_FILE).distinct().orderBy(SOURCE_FILE).collect():
        day = _EXTRACT_DATE.search(path or "")
        if day and _is_date(day[1]):
            days.setdefault(day[1], []).append(path)
        elif path:
            undated.append(path)
    return days, undated


def _is_date(digits: str) -> bool:
    try:
        datetime.strptime(digits, "%Y%m%d")
    except ValueError:
        return False
    return True


def _extract_rows(rows: DataFrame, files: list[str]) -> DataFrame:
    return rows.where(F.col(SOURCE_FILE).isin(*files))


def order_changes(orders: DataFrame, order_stream: DataFrame | None = None) -> DataFrame:
    changes = _erp_changes(with_stream(orders, order_stream), ["order_id"])
    return changes.withColumn("currency", iso_currency(F.col("currency")))


def order_line_changes(order_lines: DataFrame, order_line_stream: DataFrame | None = None) -> DataFrame:
    return _erp_changes(with_stream(order_lines, order_line_stream), ["order_id", "line_no"])


def _erp_changes(df: DataFrame, keys: list[str]) -> DataFrame:
    payload = [c for c in df.columns if not c.startswith("_") and c not in ("op", "ts_ms", "lsn")]
    return row_changes(
        df, keys, payload, op=F.col("op"), sequence=F.col("lsn"), event_ts=timestamp_from_millis(F.col("ts_ms"))
    )


def product_changes(products: DataFrame) -> DataFrame:
    payload = [c for c in products.columns if not c.startswith("_")]
    standard = products.withColumns({"name": clean_string(F.col("name")), "currency": iso_currency(F.col("currency"))})
    return _upserts(standard, ["product_id"], payload, F.col("updated_at"))


def click_changes(clicks: DataFrame, click_stream: DataFrame | None = None) -> DataFrame:
    standard = with_stream(clicks, click_stream).withColumn("event_date", F.to_date("event_ts"))
    payload = [c for c in standard.columns if not c.startswith("_") and c != "user_agent"]
    return _upserts(standard, ["event_id"], payload, F.col("event_ts"))


def fx_rate_changes(rates: DataFrame) -> DataFrame:
    payload = ["rate_date", "base_currency", "quote_currency", "rate"]
    standard = rates.withColumns({c: iso_currency(F.col(c)) for c in ("base_currency", "quote_currency")})
    return _upserts(standard, payload[:3], payload, F.col("_ingested_at"))


def store_changes(stores: DataFrame) -> DataFrame:
    standard = stores.withColumns(
        {
            "name": clean_string(F.col("name")),
            "city": clean_string(F.col("city")),
            "country": iso_country(F.col("country")),
            "channel": F.lower(clean_string(F.col("channel"))),
        }
    )
    return _upserts(
        standard, ["store_id"], ["store_id", "name", "city", "country", "channel", "opened_at"], F.col("_ingested_at")
    )


def supplier_changes(suppliers: DataFrame) -> DataFrame:
    standard = suppliers.withColumns(
        {
            "name": clean_string(F.col("name")),
            "country": iso_country(F.col("country")),
            "email": clean_email(F.col("email")),
        }
    )
    return _upserts(standard, ["supplier_id"], ["supplier_id", "name", "country", "email"], F.col("_ingested_at"))


def invoice_document_changes(invoices: DataFrame) -> DataFrame:
    """The documents' facts without their bytes (those stay in Bronze), keyed by the order number
    in the file name `invoice_<order_id>.pdf`."""
    order_id = F.regexp_extract("file_path", r"invoice_(\d+)\.[^/]+$", 1)
    facts = invoices.withColumn("order_id", F.when(order_id != "", order_id.try_cast("bigint")))
    payload = ["order_id", "file_path", "size_bytes", "sha256", "content_type", "modified_at"]
    return _upserts(facts, ["order_id"], payload, F.col("modified_at"))


def _upserts(df: DataFrame, keys: list[str], payload: list[str], changed_at: Column) -> DataFrame:
    """Rows of a source that sends whole records (no change log): each one is a snapshot read,
    the later one winning."""
    return row_changes(df, keys, payload, op=F.lit(READ), sequence=F.unix_micros(changed_at), event_ts=changed_at)
