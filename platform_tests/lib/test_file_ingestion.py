"""File ingestion on real Spark + Delta: every format, schema evolution, rescued data, malformed
files, a failing append isolated to its file, exactly-once re-runs, crash recovery, tables delta-rs reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import fastavro
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from landing_zone import by_name, feed_of, ingest, landing, ledger, table, write_lines

from lakehouse.lib.ingest.ledger import IngestLedger

ORDER_SCHEMA = "order_id bigint, quantity int, price decimal(12,2)"
ORDERS = pa.table(
    {
        "order_id": pa.array([1, 2, 3], pa.int64()),
        "quantity": pa.array([5, 6, 7], pa.int32()),
        "price": pa.array([Decimal("1.50"), Decimal("2.00"), Decimal("3.25")], pa.decimal128(12, 2)),
    }
)


@pytest.mark.parametrize("fmt", ["parquet", "orc", "avro"])
def test_self_describing_formats_are_ingested_typed(spark, storage, lake_root, fmt):
    feed = feed_of(fmt, ORDER_SCHEMA)
    folder = landing(lake_root, feed)
    if fmt == "parquet":
        pq.write_table(ORDERS, folder / "orders.parquet")
    elif fmt == "orc":
        orc.write_table(ORDERS, folder / "orders.orc")
    else:
        schema = {
            "type": "record",
            "name": "Order",
            "fields": [
                {"name": "order_id", "type": "long"},
                {"name": "quantity", "type": "int"},
                {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
            ],
        }
        with open(folder / "orders.avro", "wb") as out:
            fastavro.writer(out, schema, ORDERS.to_pylist())

    report = ingest(spark, storage, feed)

    assert (report.files_ingested, report.rows, report.rescued_rows) == (1, 3, 0)
    rows = table(spark, storage, feed).orderBy("order_id").collect()
    assert [(r.order_id, r.quantity, r.price) for r in rows] == [
        (1, 5, Decimal("1.50")),
        (2, 6, Decimal("2.00")),
        (3, 7, Decimal("3.25")),
    ]
    assert {r._source_file.rsplit("/", 1)[-1] for r in rows} == {f"orders.{fmt}"}


def test_json_rescues_values_that_do_not_fit_and_adds_new_columns(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, amount double, ts timestamp")
    write_lines(
        landing(lake_root, feed) / "a.json",
        [
            json.dumps({"id": 1, "amount": 2.5, "ts": "2026-01-01T10:00:00Z"}),
            json.dumps({"id": "abc", "amount": 1}),  # wrong type
            json.dumps({"id": 3, "amount": 4, "coupon": "X1"}),  # new column
            '{"id": 4, "amo',  # broken JSON
        ],
    )

    report = ingest(spark, storage, feed)

    assert (report.rows, report.rescued_rows) == (4, 2)
    df = table(spark, storage, feed)
    assert "coupon" in df.columns
    by_rescued = {r._rescued_data: r for r in df.collect()}
    assert by_rescued[json.dumps({"id": "abc", "amount": 1})].id is None
    assert by_rescued['{"id": 4, "amo'].amount is None
    assert df.where("id = 3").first().coupon == "X1"


def test_csv_files_with_different_headers_map_columns_by_name(spark, storage, lake_root):
    feed = feed_of("csv", "customer_id bigint, email string, phone string")
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
    feed = feed_of("binaryFile", "", extensions=("pdf", "png"))
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
    reasons = by_name(report.rejected)
    assert reasons["empty.parquet"] == "empty file (0 bytes)"
    assert reasons["truncated.parquet"].startswith("unreadable parquet file")
    assert ledger(spark, storage).where("status = 'rejected'").count() == 2
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
    recorded = sorted((r.source_file.rsplit("/", 1)[-1], r.rows) for r in ledger(spark, storage).collect())
    assert recorded == [("a.json", 7), ("b.json", 1)]


def test_a_duplicate_write_of_the_same_batch_is_skipped_by_delta(spark, storage, lake_root):
    from lakehouse.lib.ingest.file_ingestion import _append

    feed = feed_of("json", "id bigint")
    uri = storage.table_uri_for("bronze", feed.name)
    batch = spark.createDataFrame([(1, None, "f")], "id bigint, _rescued_data string, _source_file string")
    _append(batch, feed, uri, "t_json-000001", 1)
    _append(batch, feed, uri, "t_json-000001", 1)  # a second run racing on the same batch
    assert spark.read.format("delta").load(uri).count() == 1


def test_a_file_that_fails_only_when_read_in_full_is_refused_and_the_others_appended(spark, storage, lake_root):
    feed = feed_of("avro", "supplier_id bigint, name string")
    folder = landing(lake_root, feed)
    schema = {
        "type": "record",
        "name": "Supplier",
        "fields": [{"name": "supplier_id", "type": "long"}, {"name": "name", "type": "string"}],
    }
    with open(folder / "good.avro", "wb") as out:
        fastavro.writer(out, schema, [{"supplier_id": i, "name": "Acme"} for i in range(3)])
    with open(folder / "cut.avro", "wb") as out:
        fastavro.writer(out, schema, [{"supplier_id": i, "name": "Acme" * 20} for i in range(500)])
    cut = (folder / "cut.avro").read_bytes()
    (folder / "cut.avro").write_bytes(cut[: len(cut) // 2])  # its header reads, its block does not

    report = ingest(spark, storage, feed)

    assert (report.rows, report.files_ingested) == (3, 1)
    assert by_name(report.rejected)["cut.avro"].startswith("avro file fails when read and written on its own: ")
    assert not list((lake_root / "_system" / "ingest_scratch").rglob("*.parquet"))  # the trial tables are gone


def test_an_append_failing_for_no_file_of_its_own_fails_the_run_and_the_next_run_ingests(
    spark, storage, lake_root, monkeypatch
):
    from lakehouse.lib.ingest import file_ingestion

    feed = feed_of("json", "id bigint")
    write_lines(landing(lake_root, feed) / "a.json", ['{"id": 1}'])
    append = file_ingestion._append

    def store_down(df, feed, table_uri, batch_id, seq):
        if "ingest_scratch" not in table_uri:  # the trial writes of each file alone succeed
            raise OSError("store unavailable")
        append(df, feed, table_uri, batch_id, seq)

    monkeypatch.setattr(file_ingestion, "_append", store_down)
    with pytest.raises(OSError, match="store unavailable"):
        ingest(spark, storage, feed)
    monkeypatch.undo()

    assert ingest(spark, storage, feed).rows == 1


def test_a_bronze_table_with_times_far_from_today_reads_with_delta_rs_and_duckdb(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, ts timestamp")
    write_lines(
        landing(lake_root, feed) / "a.json",
        [
            '{"id": 1, "ts": "2999-12-31T23:59:59Z"}',
            '{"id": 2, "ts": "1800-01-01T00:00:00Z"}',
            '{"id": 3, "ts": 99999999999999}',  # epoch seconds whose microseconds overflow: Spark makes it year 248073
            '{"id": 4, "ts": "2026-01-05T10:00:00Z"}',
        ],
    )

    ingest(spark, storage, feed)

    delta = DeltaTable(storage.table_uri_for("bronze", feed.name))
    arrow = delta.to_pyarrow_table()  # INT96, Spark's default, fails here: delta-rs reads it as nanoseconds
    assert arrow.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert duckdb.sql("SELECT count(*) FROM arrow WHERE year(ts) IN (2999, 1800, 248073)").fetchall() == [(3,)]
    # Delta's statistics would hold year 248073 in a form delta-rs cannot parse, and its dataset would then
    # skip the file for this filter; Bronze keeps no statistics on times.
    after_2000 = delta.to_pyarrow_dataset().count_rows(filter=pc.field("ts") > datetime(2000, 1, 1, tzinfo=UTC))
    assert after_2000 == 3
    assert "`ts`" not in delta.metadata().configuration["delta.dataSkippingStatsColumns"]


def test_json_texts_are_read_as_variant_only_in_a_batch_where_one_starts_like_an_object(
    spark, storage, lake_root, monkeypatch
):
    from lakehouse.lib.ingest import file_ingestion

    reads = []
    read_landed = file_ingestion.read_landed
    monkeypatch.setattr(file_ingestion, "read_landed", lambda *a, **kw: reads.append(kw) or read_landed(*a, **kw))
    feed = feed_of("json", "id bigint, name string")
    folder = landing(lake_root, feed)
    write_lines(folder / "a.json", ['{"id": 1, "name": "Lamp"}'])
    assert ingest(spark, storage, feed).rows == 1 and reads == [{}]

    write_lines(folder / "b.json", ['{"id": 2, "name": "[draft] Lamp"}'])  # text, but only VARIANT can tell
    assert ingest(spark, storage, feed).rescued_rows == 0 and reads == [{}, {}, {"variant_texts": True}]
    assert table(spark, storage, feed).where("id = 2").first().name == "[draft] Lamp"
