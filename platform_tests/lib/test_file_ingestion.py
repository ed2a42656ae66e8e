"""File ingestion on real Spark + Delta: every format, schema evolution, rescued data, malformed
files, exactly-once re-runs and crash recovery."""

from __future__ import annotations

import json
from decimal import Decimal

import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.file_ingestion import ingest_file_feed
from lakehouse.lib.ingest.ledger import IngestLedger


def feed_of(fmt: str, schema: str, glob: str = "*") -> FileFeed:
    return FileFeed(name=f"t_{fmt.lower()}", source_system="test", landing_path=fmt, format=fmt,
                    expected_schema=schema, description="test feed", file_glob=glob)


def ingest(spark, storage, feed):
    return ingest_file_feed(
        spark, feed,
        table_uri=storage.table_uri_for("bronze", feed.name),
        landing_uri=storage.landing_uri(feed.landing_path),
        ledger=IngestLedger(spark, storage.system_uri("ingest_ledger")),
    )


def table(spark, storage, feed):
    return spark.read.format("delta").load(storage.table_uri_for("bronze", feed.name))


def landing(lake_root, feed):
    folder = lake_root / "landing" / feed.landing_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines))


ORDER_SCHEMA = "order_id bigint, quantity int, price decimal(12,2)"
ORDERS = pa.table({
    "order_id": pa.array([1, 2, 3], pa.int64()),
    "quantity": pa.array([5, 6, 7], pa.int32()),
    "price": pa.array([Decimal("1.50"), Decimal("2.00"), Decimal("3.25")], pa.decimal128(12, 2)),
})


@pytest.mark.parametrize("fmt", ["parquet", "orc", "avro"])
def test_self_describing_formats_are_ingested_typed(spark, storage, lake_root, fmt):
    feed = feed_of(fmt, ORDER_SCHEMA)
    folder = landing(lake_root, feed)
    if fmt == "parquet":
        pq.write_table(ORDERS, folder / "orders.parquet")
    elif fmt == "orc":
        orc.write_table(ORDERS, folder / "orders.orc")
    else:
        schema = {"type": "record", "name": "Order", "fields": [
            {"name": "order_id", "type": "long"}, {"name": "quantity", "type": "int"},
            {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}}]}
        with open(folder / "orders.avro", "wb") as out:
            fastavro.writer(out, schema, ORDERS.to_pylist())

    report = ingest(spark, storage, feed)

    assert (report.files_ingested, report.rows, report.rescued_rows) == (1, 3, 0)
    rows = table(spark, storage, feed).orderBy("order_id").collect()
    assert [(r.order_id, r.quantity, r.price) for r in rows] == [(1, 5, Decimal("1.50")), (2, 6, Decimal("2.00")), (3, 7, Decimal("3.25"))]
    assert {r._source_file.rsplit("/", 1)[-1] for r in rows} == {f"orders.{fmt}"}


def test_json_rescues_values_that_do_not_fit_and_adds_new_columns(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, amount double, ts timestamp")
    write_lines(landing(lake_root, feed) / "a.json", [
        json.dumps({"id": 1, "amount": 2.5, "ts": "2026-01-01T10:00:00Z"}),
        json.dumps({"id": "abc", "amount": 1}),              # wrong type
        json.dumps({"id": 3, "amount": 4, "coupon": "X1"}),  # new column
        '{"id": 4, "amo',                                    # broken JSON
    ])

    report = ingest(spark, storage, feed)

    assert (report.rows, report.rescued_rows) == (4, 2)
    df = table(spark, storage, feed)
    assert "coupon" in df.columns
    by_rescued = {r._rescued_data: r for r in df.collect()}
    assert by_rescued[json.dumps({"id": "abc", "amount": 1})].id is None
    assert by_rescued['{"id": 4, "amo'].amount is None
    assert df.where("id = 3").first().coupon == "X1"


def test_csv_files_with_different_headers_map_columns_by_name(spark, storage, lake_root):
    feed = feed_of("csv", "customer_id bigint, email string, phone string", glob="*.csv")
    folder = landing(lake_root, feed)
    write_lines(folder / "day1.csv", ["customer_id,email,phone", "1,a@x.io,+491", "x2,b@x.io,+492", "3,c@x.io"])
    write_lines(folder / "day2.csv", ["customer_id,phone,email,loyalty_tier", "4,+494,d@x.io,gold"])
    write_lines(folder / "day3.csv", ["customer_id,email", "5,e@x.io"])

    report = ingest(spark, storage, feed)

    assert report.rows == 5 and report.rescued_rows == 2  # a non-numeric id and a short row
    rows = {r.email: r for r in table(spark, storage, feed).collect()}
    assert (rows["d@x.io"].customer_id, rows["d@x.io"].phone, rows["d@x.io"].loyalty_tier) == (4, "+494", "gold")
    assert (rows["e@x.io"].customer_id, rows["e@x.io"].phone) == (5, None)
    assert rows["b@x.io"].customer_id is None and rows["b@x.io"]._rescued_data == "x2,b@x.io,+492"


def test_binary_files_record_path_size_hash_and_content_type(spark, storage, lake_root):
    feed = feed_of("binaryFile", "")
    folder = landing(lake_root, feed)
    (folder / "invoice_1.pdf").write_bytes(b"%PDF-1.4 invoice 1")
    (folder / "image_1.png").write_bytes(b"\x89PNG\r\n\x1a\n tiny")

    ingest(spark, storage, feed)

    rows = {r.file_path.rsplit("/", 1)[-1]: r for r in table(spark, storage, feed).collect()}
    assert rows["invoice_1.pdf"].content_type == "application/pdf"
    assert rows["image_1.png"].content_type == "image/png"
    assert rows["invoice_1.pdf"].size_bytes == len(b"%PDF-1.4 invoice 1")
    assert rows["invoice_1.pdf"].sha256 == __import__("hashlib").sha256(b"%PDF-1.4 invoice 1").hexdigest()


def test_malformed_files_are_refused_with_a_reason_and_the_rest_is_ingested(spark, storage, lake_root):
    feed = feed_of("parquet", ORDER_SCHEMA)
    folder = landing(lake_root, feed)
    pq.write_table(ORDERS, folder / "good.parquet")
    data = (folder / "good.parquet").read_bytes()
    (folder / "truncated.parquet").write_bytes(data[: len(data) // 2])
    (folder / "empty.parquet").write_bytes(b"")

    report = ingest(spark, storage, feed)

    assert report.rows == 3 and report.files_ingested == 1
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.rejected.items()}
    assert reasons["empty.parquet"] == "empty file (0 bytes)"
    assert reasons["truncated.parquet"].startswith("unreadable parquet file")
    ledger = spark.read.format("delta").load(storage.system_uri("ingest_ledger"))
    assert ledger.where("status = 'rejected'").count() == 2
    # A refused file is in the ledger, so it is not retried (and reported) on every run.
    assert ingest(spark, storage, feed).batch_id is None


def test_a_column_retyped_by_the_source_is_rescued_not_lost(spark, storage, lake_root):
    feed = feed_of("parquet", ORDER_SCHEMA)
    folder = landing(lake_root, feed)
    pq.write_table(ORDERS, folder / "a.parquet")
    retyped = ORDERS.set_column(1, "quantity", pa.array(["8", "lots", None]))
    pq.write_table(retyped, folder / "b.parquet")

    report = ingest(spark, storage, feed)

    assert (report.rows, report.rescued_rows) == (6, 1)
    rescued = table(spark, storage, feed).where("_rescued_data IS NOT NULL").first()
    assert rescued.quantity is None and json.loads(rescued._rescued_data) == {"quantity": "lots"}
    assert table(spark, storage, feed).where("quantity = 8").count() == 1


def test_reruns_ingest_nothing_twice_and_a_new_file_exactly_once(spark, storage, lake_root):
    feed = feed_of("json", "id bigint")
    folder = landing(lake_root, feed)
    write_lines(folder / "a.json", [json.dumps({"id": i}) for i in range(10)])
    assert ingest(spark, storage, feed).rows == 10

    again = ingest(spark, storage, feed)
    assert again.batch_id is None and again.rows == 0

    write_lines(folder / "b.json", [json.dumps({"id": i}) for i in range(10, 15)])
    third = ingest(spark, storage, feed)
    assert third.rows == 5 and third.files_ingested == 1
    df = table(spark, storage, feed)
    assert df.count() == 15 and df.select("id").distinct().count() == 15
    assert DeltaTable(storage.table_uri_for("bronze", feed.name)).to_pyarrow_table().num_rows == 15


def test_a_crash_between_data_commit_and_ledger_is_repaired_without_duplicates(spark, storage, lake_root, monkeypatch):
    feed = feed_of("json", "id bigint")
    folder = landing(lake_root, feed)
    write_lines(folder / "a.json", [json.dumps({"id": i}) for i in range(7)])

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("process killed")

    monkeypatch.setattr(IngestLedger, "record", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(spark, storage, feed)
    monkeypatch.undo()

    write_lines(folder / "b.json", [json.dumps({"id": 7})])
    report = ingest(spark, storage, feed)

    assert report.recovered_batch == "t_json-000001"
    assert report.batch_id == "t_json-000002" and report.rows == 1
    assert table(spark, storage, feed).count() == 8
    ledger = spark.read.format("delta").load(storage.system_uri("ingest_ledger"))
    assert sorted((r.source_file.rsplit("/", 1)[-1], r.rows) for r in ledger.collect()) == [("a.json", 7), ("b.json", 1)]


def test_a_duplicate_write_of_the_same_batch_is_skipped_by_delta(spark, storage, lake_root):
    from lakehouse.lib.ingest.file_ingestion import _append

    feed = feed_of("json", "id bigint")
    uri = storage.table_uri_for("bronze", feed.name)
    batch = spark.createDataFrame([(1, None, "f")], "id bigint, _rescued_data string, _source_file string")
    _append(batch, feed, uri, "t_json-000001", 1)
    _append(batch, feed, uri, "t_json-000001", 1)  # a second run racing on the same batch
    assert spark.read.format("delta").load(uri).count() == 1
