"""Text landing files (CSV, JSON lines) in any encoding: sniffed from a byte-order mark, valid UTF-8 or a
Windows code page, or declared by the feed; decoded by Spark's readers, the mark never in a value."""

from __future__ import annotations

import json

import pytest
from landing_zone import feed_of, ingest, landing, table

from lakehouse.lib.ingest.encodings import SNIFF_BYTES, sniff_encoding

TEXT = "id,name\n1,Müller “quoted” € naïve\n2,Gérard Œuvre\n"


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (TEXT.encode("utf-8-sig"), "UTF-8"),
        (TEXT.encode("utf-16"), "UTF-16"),
        ("\ufeff".encode("utf-16-be") + TEXT.encode("utf-16-be"), "UTF-16"),
        (TEXT.encode("utf-32"), "UTF-32"),
        ("\ufeff".encode("utf-32-be") + TEXT.encode("utf-32-be"), "UTF-32"),
    ],
)
def test_a_byte_order_mark_names_the_unicode_encoding(encoded, expected):
    assert sniff_encoding(encoded) == expected


def test_valid_utf8_is_utf8_even_when_the_sniffed_head_ends_mid_character():
    head = ("x" * (SNIFF_BYTES - 1) + "é").encode()[:SNIFF_BYTES]
    assert head.endswith(b"\xc3") and sniff_encoding(head) == "UTF-8"


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (TEXT.encode("cp1252"), "windows-1252"),
        ("id,name\n1,Müller naïve\n".encode("latin-1"), "windows-1252"),  # ISO-8859-1's printable bytes are 1252's
        ("id,name\n1,Москва, привет мир, это тест кодировки\n".encode("cp1251"), "windows-1251"),
        (bytes(range(128, 256)) * 8, "windows-1252"),  # nothing recognisable: the fallback
    ],
)
def test_other_bytes_get_a_windows_code_page_1252_unless_another_fits_better(encoded, expected):
    assert sniff_encoding(encoded) == expected


NAMES = {1: "Grüße “zitiert” – €", 2: "Łódź", 3: "naïve Œuvre"}
ENCODINGS = {
    "utf8.x": "utf-8",
    "bom.x": "utf-8-sig",
    "utf16.x": "utf-16",
    "utf16be.x": "utf-16-be-bom",
    "utf32.x": "utf-32",
    "cp1252.x": "cp1252",
}


def encode(text: str, encoding: str) -> bytes:
    return (
        "\ufeff".encode("utf-16-be") + text.encode("utf-16-be")
        if encoding == "utf-16-be-bom"
        else text.encode(encoding)
    )


def names_of(encoding: str) -> dict[int, str]:
    return NAMES if encoding != "cp1252" else {1: NAMES[1], 3: NAMES[3]}  # Łódź is not in windows-1252


def test_csv_files_in_any_encoding_are_decoded_and_no_mark_reaches_a_column_name(spark, storage, lake_root):
    feed = feed_of("csv", "id bigint, name string")
    folder = landing(lake_root, feed)
    for file, encoding in ENCODINGS.items():
        rows = "".join(f"{i},{name}\r\n" for i, name in names_of(encoding).items())
        (folder / file.replace(".x", ".csv")).write_bytes(encode("id,name\r\n" + rows, encoding))

    report = ingest(spark, storage, feed)

    assert report.files_ingested == len(ENCODINGS) and report.rescued_rows == 0
    df = table(spark, storage, feed)
    assert [c for c in df.columns if not c.startswith("_")] == ["id", "name"]
    for file, encoding in ENCODINGS.items():
        got = {r.id: r.name for r in df.where(df._source_file.endswith(file.replace(".x", ".csv"))).collect()}
        assert got == names_of(encoding), file


def test_json_lines_in_any_encoding_are_decoded(spark, storage, lake_root):
    feed = feed_of("json", "id bigint, name string")
    folder = landing(lake_root, feed)
    for file, encoding in ENCODINGS.items():
        records = [{"id": i, "name": name} for i, name in names_of(encoding).items()]
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        (folder / file.replace(".x", ".json")).write_bytes(encode(lines, encoding))

    report = ingest(spark, storage, feed)

    assert (report.files_ingested, report.rescued_rows) == (len(ENCODINGS), 0)
    df = table(spark, storage, feed)
    for file, encoding in ENCODINGS.items():
        got = {r.id: r.name for r in df.where(df._source_file.endswith(file.replace(".x", ".json"))).collect()}
        assert got == names_of(encoding), file


def test_an_encoding_the_feed_declares_wins_over_sniffing(spark, storage, lake_root):
    feed = feed_of("csv", "id bigint, name string", reader_options={"encoding": "ISO-8859-1"})
    (landing(lake_root, feed) / "a.csv").write_bytes("id,name\n1,é\n".encode())  # valid UTF-8, declared Latin-1

    ingest(spark, storage, feed)

    assert table(spark, storage, feed).first().name == "Ã©"


def test_a_csv_field_with_a_line_break_or_doubled_quotes_stays_one_record(spark, storage, lake_root):
    feed = feed_of("csv", "id bigint, street string, name string")
    (landing(lake_root, feed) / "a.csv").write_text(
        'id,street,name\n1,"Hauptstraße 1\nHinterhaus","O""Neil, Jr."\n2,B,C\n'
    )

    report = ingest(spark, storage, feed)

    assert (report.rows, report.rescued_rows) == (2, 0)
    first = table(spark, storage, feed).where("id = 1").first()
    assert (first.street, first.name) == ("Hauptstraße 1\nHinterhaus", 'O"Neil, Jr.')


def test_a_csv_header_is_parsed_by_spark_and_repeated_or_empty_names_are_named_by_position(spark, storage, lake_root):
    feed = feed_of("csv", "id bigint, name string")
    (landing(lake_root, feed) / "a.csv").write_bytes(b'\xef\xbb\xbf"id","na""me",,ID\n1,x,y,2\n')

    ingest(spark, storage, feed)

    row = table(spark, storage, feed).first().asDict()
    named = {"id0": "1", 'na"me': "x", "_c2": "y", "ID3": "2", "id": None}
    assert {k: row[k] for k in named} == named
