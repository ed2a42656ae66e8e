"""Values that do not fit the table, on real Spark + Delta: each becomes NULL in its column and is kept in
`_rescued_data` under its column's name, as received; no file fails for them."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from landing_zone import feed_of, ingest, landing, table, write_lines
from pyspark.sql import functions as F


def rows_by_id(spark, storage, feed) -> dict:
    return {r.id: r for r in table(spark, storage, feed).collect()}


def rescued(row) -> dict | None:
    return row._rescued_data and json.loads(row._rescued_data)


def test_an_object_or_array_sent_for_a_string_is_rescued_and_other_values_stay_text(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, name string, after struct<first_name string, city string>")
    write_lines(
        landing(lake_root, feed) / "a.json",
        [
            '{"id": 1, "name": {"en": "Lamp"}}',
            '{"id": 2, "name": ["home", "garden"]}',
            '{"id": 3, "name": 5, "after": {"first_name": {"given": "Cleo"}, "city": "Köln"}}',
            '{"id": 4, "name": true}',
            '{"id": 5, "name": "{\\"en\\": \\"Lamp\\"}"}',  # a string that looks like an object is a string
            '{"id": 6, "name": null, "after": null}',
        ],
    )

    report = ingest(spark, storage, feed)

    rows = rows_by_id(spark, storage, feed)
    assert report.rescued_rows == 3
    assert (rows[1].name, rescued(rows[1])) == (None, {"name": {"en": "Lamp"}})
    assert (rows[2].name, rescued(rows[2])) == (None, {"name": ["home", "garden"]})
    assert (rows[3].name, rows[3].after.first_name, rows[3].after.city) == ("5", None, "Köln")
    assert rescued(rows[3]) == {"after.first_name": {"given": "Cleo"}}
    assert [(rows[i].name, rows[i]._rescued_data) for i in (4, 5)] == [("true", None), ('{"en": "Lamp"}', None)]
    assert (rows[6].name, rows[6].after, rows[6]._rescued_data) == (None, None, None)


def test_a_value_no_cast_can_fit_is_rescued_as_json_and_a_column_delta_refuses_too(spark, storage, lake_root):
    feed = feed_of("parquet", "id bigint, customer_id bigint, name string")
    pq.write_table(
        pa.Table.from_pylist(
            [
                {
                    "id": 1,
                    "customer_id": {"crm": 1, "erp": 2},
                    "name": {"legal": "Acme GmbH", "short": "Acme"},
                    "sales rep": "Kim",
                },
            ]
        ),
        landing(lake_root, feed) / "a.parquet",
    )

    report = ingest(spark, storage, feed)

    [row] = table(spark, storage, feed).collect()
    assert (report.rows, report.rescued_rows, row.customer_id, row.name) == (1, 1, None, None)
    assert rescued(row) == {
        "customer_id": {"crm": 1, "erp": 2},
        "name": {"legal": "Acme GmbH", "short": "Acme"},
        "sales rep": "Kim",
    }
    assert "sales rep" not in table(spark, storage, feed).columns


def test_columns_delta_refuses_are_rescued_under_the_names_they_came_with(spark, storage, lake_root):
    csv, jsonl = feed_of("csv", "customer_id bigint"), feed_of("json", "id bigint")
    (landing(lake_root, csv) / "a.csv").write_text("customer_id,first name,x;y,city\n1,Ann,7,Rome\n")
    write_lines(landing(lake_root, jsonl) / "a.json", ['{"id": 1, "page url": "/a", "meta": {"a b": 1}, "ok": 2}'])

    ingest(spark, storage, csv), ingest(spark, storage, jsonl)

    [row] = table(spark, storage, csv).collect()
    assert (row.customer_id, row.city, rescued(row)) == (1, "Rome", {"first name": "Ann", "x;y": "7"})
    [row] = table(spark, storage, jsonl).collect()
    assert (row.id, row.ok, rescued(row)) == (1, 2, {"page url": "/a", "meta": {"a b": 1}})
    assert "meta" not in table(spark, storage, jsonl).columns


def test_a_new_column_two_files_bring_with_two_types_takes_the_first_type(spark, storage, lake_root):
    feed = feed_of("parquet", "id bigint")
    folder = landing(lake_root, feed)
    pq.write_table(pa.table({"id": [1], "coupon": pa.array([10], pa.int64())}), folder / "a.parquet")
    pq.write_table(pa.table({"id": [2, 3], "coupon": ["20", "X1"]}), folder / "b.parquet")

    report = ingest(spark, storage, feed)

    rows = rows_by_id(spark, storage, feed)
    assert (report.rows, report.rescued_rows) == (3, 1)
    assert [rows[i].coupon for i in (1, 2, 3)] == [10, 20, None] and rescued(rows[3]) == {"coupon": "X1"}


def filler_lines(count: int) -> list[str]:
    """Enough plain lines to push what follows past the bytes the encoding is sniffed from."""
    return [json.dumps({"id": i, "name": "x" * 100}) for i in range(100, 100 + count)]


def test_text_a_wrong_decoder_marked_with_a_replacement_character_is_rescued(spark, storage, lake_root):
    feed = feed_of("csv", "id bigint, name string")
    body = "".join(f"{i},{'x' * 100}\n" for i in range(100, 800)).encode()  # sniffed as UTF-8
    (landing(lake_root, feed) / "a.csv").write_bytes(b"id,name\n" + body + "1,M\xfcller\n".encode("latin-1"))

    report = ingest(spark, storage, feed)

    row = table(spark, storage, feed).where("id = 1").first()
    assert (report.rescued_rows, row.name, rescued(row)) == (1, None, {"name": "M\ufffdller"})


def test_json_lines_that_are_not_utf8_leave_only_valid_utf8_in_rescued_data(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, after struct<first_name string>")
    lines = filler_lines(700) + ['{"id": 2, "after": {"first_name": "M\ufffdller"}}']
    (landing(lake_root, feed) / "a.json").write_bytes(
        "\n".join(lines).encode() + b'\n{"id": 1, "after": {"first_name": "M\xfcller"}}\n'
    )

    report = ingest(spark, storage, feed)

    df = table(spark, storage, feed)
    assert report.rescued_rows == 2 and df.where(~F.is_valid_utf8("_rescued_data")).count() == 0
    assert df.where("_rescued_data LIKE '%M\ufffdller%' AND after IS NULL").count() == 1  # the line Jackson refused
    row = df.where("id = 2").first()
    assert (row.after.first_name, rescued(row)) == (None, {"after.first_name": "M\ufffdller"})


def invalid_utf8(*values: bytes) -> pa.Array:
    """A Parquet string column holding bytes that are not UTF-8, as a broken writer leaves them."""
    offsets = np.cumsum([0, *map(len, values)]).astype(np.int32)
    buffers = [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(values))]
    return pa.Array.from_buffers(pa.string(), len(values), buffers)


def test_strings_that_are_not_utf8_are_rescued_valid_at_the_top_level_and_in_structs(spark, storage, lake_root):
    feed = feed_of("parquet", "id bigint, name string, after struct<city string>")
    names = invalid_utf8(b"ok", b"M\xfcller")
    after = pa.StructArray.from_arrays([invalid_utf8(b"K\xf6ln", b"Rome")], names=["city"])
    pq.write_table(pa.table({"id": [1, 2], "name": names, "after": after}), landing(lake_root, feed) / "a.parquet")

    ingest(spark, storage, feed)

    rows = rows_by_id(spark, storage, feed)
    assert (rows[1].name, rows[1].after.city, rescued(rows[1])) == ("ok", None, {"after.city": "K\ufffdln"})
    assert (rows[2].name, rows[2].after.city, rescued(rows[2])) == (None, "Rome", {"name": "M\ufffdller"})
