"""A corpus of bad input over every feed and format, written into a landing zone beside a small sample
delivery, each case with what must become of it (ingested, rescued, quarantined or refused).

Keys of the cases' rows are far above the sample's (customers, products, orders from 90001, stores from
901), so each case's rows can be found in Bronze, Silver and the quarantines.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq

# When the cases happen: inside the sample's first days, well before today.
T = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
T_MS = int(T.timestamp() * 1000)
ISO = "2026-01-06T12:00:00Z"
LSN = 9 * 10**15  # beyond any sample batch's log positions


@dataclass(frozen=True)
class Expect:
    """What must become of a case: its files in the ledger, and (optionally) its row in Silver."""

    status: str  # every file of the case: ingested | rejected
    rows: int | None = None  # rows Bronze took from each file (ingested)
    rescued: int | None = None  # of them with rescued data
    reason: str | None = None  # words the refusal reason contains (rejected)
    silver: dict | None = None  # table, key column, key, and the values the row must have
    quarantined: tuple[str, str, object, str] | None = None  # table, key column, key, a rule it failed


@dataclass(frozen=True)
class Case:
    name: str
    feed: str  # the Bronze feed, e.g. crm_customers
    folder: str  # below landing/
    files: dict[str, bytes]
    expect: Expect


@dataclass
class Corpus:
    landing: Path
    cases: list[Case] = field(default_factory=list)

    def add(self, name: str, feed: str, folder: str, files: dict[str, bytes], expect: Expect) -> None:
        self.cases.append(Case(name, feed, folder, files, expect))

    def feed(self, feed: str, folder: str) -> Callable[..., None]:
        """Adds cases of one feed: `add(name, files, **expect)`."""
        return lambda name, files, **expect: self.add(name, feed, folder, files, Expect(**expect))

    def write(self) -> list[Case]:
        names = [c.name for c in self.cases]
        assert len(set(names)) == len(names), "case names must be unique"
        for case in self.cases:
            for name, content in case.files.items():
                path = self.landing / case.folder / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        return self.cases


def in_silver(table: str, key_column: str) -> Callable[..., dict]:
    """`row(key, **values)`: the Silver row of `key` must hold `values`."""
    return lambda key, **values: {"table": table, key_column: key, **values}


def held_back(table: str, key_column: str) -> Callable[[object, str], tuple]:
    """`held(key, rule)`: a row of `key` is in the table's quarantine, for `rule` (or with that `_invalid_reason`)."""
    return lambda key, rule: (table, key_column, key, rule)


def lines(*records: dict | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


# ---------------------------------------------------------------------------------------------- CRM extracts

CUSTOMER_HEADER = [
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


def _csv(rows: list[dict], header=CUSTOMER_HEADER, newline="\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _extract_cases(corpus: Corpus) -> None:
    """Daily full extracts after the sample's last one, each the day before's with one customer changed,
    delivered in another encoding or shape: Silver must see exactly that change."""
    folder = corpus.landing / "crm/customers"
    latest = max(p for p in folder.glob("customers_*.csv") if p.stat().st_size)
    rows = list(csv.DictReader(latest.open(encoding="utf-8")))
    day = datetime.strptime(latest.stem.split("_")[1], "%Y%m%d").date()
    ids = iter(r["customer_id"] for r in rows if r["customer_id"].isdigit())

    def next_extract(
        case: str,
        change: dict,
        encode: Callable[[str], bytes],
        name: str = "customers_{day}.csv",
        expect_values: dict | None = None,
        newline: str = "\n",
        **expect,
    ) -> None:
        nonlocal day
        day += timedelta(days=1)
        customer = next(ids)
        for row in rows:
            if row["customer_id"] == customer:
                row.update(change)
        content = encode(_csv(rows, newline=newline))
        values = {"customer_id": int(customer), **(expect_values or change)}
        silver = None if "quarantined" in expect else {"table": "customers", **values}
        quarantined = expect.pop("quarantined", None)
        corpus.add(
            case,
            "crm_customers",
            "crm/customers",
            {name.format(day=day.strftime("%Y%m%d")): content},
            Expect(
                "ingested",
                rows=len(rows),
                silver=silver,
                quarantined=quarantined and ("customers", "customer_id", int(customer), quarantined),
                **expect,
            ),
        )

    utf8 = str.encode
    # A sample name the code page lacks (Łódź) arrives as the source system sends it: '?'.
    next_extract("extract_in_latin_1", {"last_name": "Müller-Lüdenscheidt"}, lambda t: t.encode("latin-1", "replace"))
    next_extract("extract_in_windows_1252", {"last_name": "Dœuf – “Ça”"}, lambda t: t.encode("cp1252", "replace"))
    next_extract(
        "extract_in_utf_8_with_a_bom_and_crlf", {"city": "São Paulo"}, lambda t: t.encode("utf-8-sig"), newline="\r\n"
    )
    next_extract("extract_in_utf_16", {"city": "Łódź"}, lambda t: t.encode("utf-16"))
    next_extract(
        "extract_with_a_newline_in_a_quoted_field",
        {"street": "Hauptstraße 1\nHinterhaus"},
        utf8,
        expect_values={"street": "Hauptstraße 1 Hinterhaus"},
    )
    next_extract("extract_with_doubled_quotes_in_a_field", {"last_name": 'O"Neil, Jr.'}, utf8)
    next_extract(
        "extract_compressed_with_gzip",
        {"city": "Gzip City"},
        lambda t: gzip.compress(t.encode()),
        name="customers_{day}.csv.gz",
    )
    next_extract("extract_with_an_upper_case_name", {"city": "Upper City"}, utf8, name="CUSTOMERS_{day}.CSV")
    next_extract(
        "extract_with_an_implausible_update_time",
        {"updated_at": "2999-01-01T00:00:00Z"},
        utf8,
        quarantined="contract_updated_at_plausible",
    )
    next_extract("extract_with_an_invalid_email", {"email": "not-an-email"}, utf8, quarantined="valid_email")


def _odd_csv_cases(corpus: Corpus) -> None:
    """CSV files that are no dated extract: Bronze keeps them as received, Silver holds their rows back."""
    row = {
        "customer_id": "90001",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "phone": "+4930123456",
        "street": "A 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        "updated_at": ISO,
    }
    add = corpus.feed("crm_customers", "crm/customers")
    add(
        "csv_named_with_spaces_and_non_ascii",
        {"Kunden Übersicht #1 [50%+].csv": _csv([row, row]).encode()},
        status="ingested",
        rows=2,
        quarantined=("customers", "customer_id", 90001, "dated extract"),
    )
    add(
        "csv_header_with_characters_delta_refuses",
        {"odd_header.csv": b"customer_id,first name,x;y\n90002,Ann,1\n90002,Bo,2\n"},
        status="ingested",
        rows=2,
        rescued=2,
    )
    add(
        "csv_separated_by_semicolons",
        {"semicolons.csv": b"customer_id;first_name\n90003;Ann\n"},
        status="ingested",
        rows=1,
        rescued=1,
    )
    add(
        "csv_header_with_a_repeated_name",
        {"twice.csv": b"customer_id,email,email\n90004,a@x.de,b@x.de\n"},
        status="ingested",
        rows=1,
    )
    add(
        "csv_with_a_header_only",
        {"header_only.csv": ",".join(CUSTOMER_HEADER).encode() + b"\n"},
        status="ingested",
        rows=0,
    )
    add(
        "csv_with_short_and_long_rows",
        {"ragged.csv": b"customer_id,first_name,city\n90005,Ann\n90006,Bo,Rome,extra\n"},
        status="ingested",
        rows=2,
        rescued=2,
    )
    add(
        "csv_with_a_non_numeric_id_and_a_bad_time",
        {"bad_values.csv": b"customer_id,updated_at\nCUST-7,2026-01-06T12:00:00Z\n90007,31/02/2026 25:61\n"},
        status="ingested",
        rows=2,
        rescued=2,
    )
    add(
        "csv_with_an_unterminated_quote",
        {"unterminated.csv": b'customer_id,city\n90008,"Rome\n90009,Pisa\n'},
        status="ingested",
    )
    add("csv_that_is_empty", {"empty.csv": b""}, status="rejected", reason="empty")
    add("text_file_in_the_csv_folder", {"readme.txt": b"extracts arrive daily\n"}, status="rejected", reason="not a")
    add(
        "csv_with_a_number_too_large_for_its_column",
        {"too_large.csv": b"customer_id,city\n99999999999999999999999,Rome\n"},
        status="ingested",
        rows=1,
        rescued=1,
    )


# ------------------------------------------------------------------------------------------ CRM change feed


def _change(customer_id: int, op: str = "c", ts_ms: object = T_MS, lsn: object = None, **after) -> dict:
    image = {
        "customer_id": customer_id,
        "first_name": "Cleo",
        "last_name": "Park",
        "email": f"c{customer_id}@example.com",
        "phone": "+4930123456",
        "street": "B 2",
        "city": "Hamburg",
        "postal_code": "20095",
        "country": "DE",
        "updated_at": ISO,
        **after,
    }
    return {
        "op": op,
        "ts_ms": ts_ms,
        "lsn": LSN + customer_id if lsn is None else lsn,
        "before": image if op == "d" else None,
        "after": None if op == "d" else image,
    }


def _change_feed_cases(corpus: Corpus) -> None:
    add = corpus.feed("crm_customer_changes", "crm/customer_changes")
    silver, held = in_silver("customers", "customer_id"), held_back("customers", "customer_id")
    add(
        "change_feed_in_latin_1",
        {"latin1.json": lines(_change(90101, city="Köln")).encode("latin-1")},
        status="ingested",
        rows=1,
        rescued=0,
        silver=silver(90101, city="Köln"),
    )
    add(
        "change_feed_with_a_utf_8_bom",
        {"bom.json": lines(_change(90102, city="Genève")).encode("utf-8-sig")},
        status="ingested",
        rows=1,
        rescued=0,
        silver=silver(90102, city="Genève"),
    )
    add(
        "change_feed_in_utf_16",
        {"utf16.json": lines(_change(90103, city="Tromsø")).encode("utf-16")},
        status="ingested",
        rows=1,
        silver=silver(90103, city="Tromsø"),
    )
    add(
        "change_feed_compressed_with_gzip",
        {"changes.json.gz": gzip.compress(lines(_change(90104)).encode())},
        status="ingested",
        rows=1,
        silver=silver(90104, city="Hamburg"),
    )
    add(
        "change_feed_compressed_with_bzip2",
        {"changes.json.bz2": bz2.compress(lines(_change(90105)).encode())},
        status="ingested",
        rows=1,
        silver=silver(90105, city="Hamburg"),
    )
    add(
        "change_feed_with_an_upper_case_extension",
        {"CHANGES.JSON": lines(_change(90106)).encode()},
        status="ingested",
        rows=1,
        silver=silver(90106, city="Hamburg"),
    )
    add(
        "change_with_milliseconds_beyond_any_year",
        {"overflow.json": lines(_change(90107, ts_ms=99_999_999_999_999_999)).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90107, "applicable_change"),
    )
    add(
        "change_in_the_year_2999",
        {"y2999.json": lines(_change(90108, ts_ms=32_472_144_000_000)).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90108, "plausible_event_time"),
    )
    add(
        "change_with_an_unknown_op",
        {"unknown_op.json": lines(_change(90109, op="x")).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90109, "applicable_change"),
    )
    add(
        "change_without_a_log_position",
        {"no_lsn.json": lines({**_change(90110), "lsn": None}).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90110, "applicable_change"),
    )
    add(
        "two_changes_reusing_one_log_position",
        {
            "reused_lsn.json": lines(
                _change(90111, city="Aachen", lsn=LSN), _change(90111, city="Zwickau", lsn=LSN)
            ).encode()
        },
        status="ingested",
        rows=2,
        silver=silver(90111, city="Zwickau"),
    )
    add(
        "change_with_an_object_where_a_name_belongs",
        {"object_name.json": lines(_change(90112, first_name={"given": "Cleo"})).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver(90112, first_name=None),
    )
    add(
        "change_feed_with_a_truncated_last_line",
        {"truncated.json": (lines(_change(90113)) + '{"op": "c", "ts_ms": 17').encode()},
        status="ingested",
        rows=2,
        rescued=1,
        silver=silver(90113, city="Hamburg"),
    )


# ---------------------------------------------------------------------------------------------- ERP products


def _product(product_id: int, **fields) -> dict:
    return {
        "product_id": product_id,
        "sku": f"SKU-BAD-{product_id}",
        "name": "Test Lamp",
        "category": "home",
        "unit_price": 10.5,
        "currency": "EUR",
        "supplier_id": 1,
        "updated_at": ISO,
        **fields,
    }


def _product_cases(corpus: Corpus) -> None:
    add = corpus.feed("erp_products", "erp/products")
    silver, held = in_silver("products", "product_id"), held_back("products", "product_id")
    add(
        "product_with_an_object_where_a_name_belongs",
        {"object.json": lines(_product(90201, name={"en": "Lamp", "de": "Lampe"})).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver(90201, name=None),
    )
    add(
        "product_with_an_array_where_a_category_belongs",
        {"array.json": lines(_product(90202, category=["home", "garden"])).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver(90202, category=None),
    )
    add(
        "product_with_an_object_where_a_number_belongs",
        {"object_number.json": lines(_product(90203, supplier_id={"id": 1})).encode()},
        status="ingested",
        rows=1,
        rescued=1,
    )
    add(
        "product_with_a_negative_price",
        {"negative.json": lines(_product(90204, unit_price=-3.0)).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90204, "contract_unit_price_greater_than_or_equal_to"),
    )
    add(
        "product_with_a_price_in_words",
        {"words.json": lines(_product(90205, unit_price="twelve")).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        quarantined=held(90205, "priced"),
    )
    add(
        "product_updated_in_the_year_2999",
        {"y2999.json": lines(_product(90206, updated_at="2999-01-01T00:00:00Z")).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90206, "contract_updated_at_plausible"),
    )
    add(
        "product_updated_before_1900",
        {"y1850.json": lines(_product(90207, updated_at="1850-01-01T00:00:00Z")).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90207, "contract_updated_at_plausible"),
    )
    add(
        "product_with_a_number_where_a_time_belongs",
        {"number_time.json": lines(_product(90208, updated_at=99_999_999_999_999)).encode()},
        status="ingested",
        rows=1,
        quarantined=held(90208, "contract_updated_at_plausible"),
    )
    add(
        "product_file_with_blank_lines",
        {"blank_lines.json": ("\n" + lines(_product(90209)) + "\n\n").encode()},
        status="ingested",
        rows=1,
        silver=silver(90209, name="Test Lamp"),
    )
    add(
        "products_as_one_json_array",
        {"array_file.json": (json.dumps([_product(90210), _product(90211)]) + "\n").encode()},
        status="ingested",
        silver=silver(90211, name="Test Lamp"),
    )
    add(
        "product_pretty_printed_over_several_lines",
        {"pretty.json": json.dumps(_product(90212), indent=2).encode() + b"\n"},
        status="ingested",
        rescued=None,
    )
    add(
        "product_with_a_field_name_delta_refuses",
        {"field_name.json": lines({**_product(90213), "colour (main)": "red"}).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver(90213, name="Test Lamp"),
    )
    add(
        "product_with_an_unknown_currency",
        {"currency.json": lines(_product(90214, currency="EURO")).encode()},
        status="ingested",
        rows=1,
        silver=silver(90214, currency=None),
    )
    add(
        "two_product_versions_at_the_same_time",
        {"same_time.json": lines(_product(90215, name="Lamp A"), _product(90215, name="Lamp B")).encode()},
        status="ingested",
        rows=2,
        silver=silver(90215, name="Lamp B"),
    )
    add("products_file_that_is_binary_garbage", {"garbage.json": bytes(range(256)) * 4}, status="ingested")
    add(
        "products_file_with_a_json_gz_in_capitals",
        {"upper.JSON.GZ": gzip.compress(lines(_product(90216)).encode())},
        status="ingested",
        rows=1,
        silver=silver(90216, name="Test Lamp"),
    )


# ----------------------------------------------------------------------------------------------- clickstream


def _click(event_id: str, **fields) -> dict:
    return {
        "event_id": event_id,
        "event_ts": ISO,
        "session_id": f"s-{event_id}",
        "customer_id": None,
        "event_type": "page_view",
        "page_url": "https://shop.example/",
        "product_id": None,
        "referrer": None,
        "user_agent": "test",
        "device": "desktop",
        **fields,
    }


def _click_cases(corpus: Corpus) -> None:
    add = corpus.feed("web_clickstream", "web/clickstream")
    silver, held = in_silver("clickstream_events", "event_id"), held_back("clickstream_events", "event_id")
    add(
        "click_at_epoch_seconds_beyond_any_year",
        {"far_future.json": lines(_click("bad-1", event_ts=99_999_999_999_999)).encode()},
        status="ingested",
        rows=1,
        quarantined=held("bad-1", "contract_event_ts_plausible"),
    )
    add(
        "click_in_the_year_2999",
        {"y2999.json": lines(_click("bad-2", event_ts="2999-12-31T23:59:59Z")).encode()},
        status="ingested",
        rows=1,
        quarantined=held("bad-2", "contract_event_ts_plausible"),
    )
    add(
        "click_before_1900",
        {"y1850.json": lines(_click("bad-3", event_ts="1850-06-01T00:00:00Z")).encode()},
        status="ingested",
        rows=1,
        quarantined=held("bad-3", "contract_event_ts_plausible"),
    )
    add(
        "click_of_an_unknown_type",
        {"hover.json": lines(_click("bad-4", event_type="hover")).encode()},
        status="ingested",
        rows=1,
        quarantined=held("bad-4", "contract_event_type_isin"),
    )
    add(
        "click_without_a_time",
        {"no_time.json": lines(_click("bad-5", event_ts=None)).encode()},
        status="ingested",
        rows=1,
        quarantined=held("bad-5", "contract_event_ts_not_null"),
    )
    add(
        "click_repeated_with_other_content",
        {"repeat.json": lines(_click("bad-6", device="mobile"), _click("bad-6", device="tablet")).encode()},
        status="ingested",
        rows=2,
        silver=silver("bad-6", device="tablet"),
    )
    add(
        "clicks_compressed_with_bzip2",
        {"clicks.json.bz2": bz2.compress(lines(_click("bad-7")).encode())},
        status="ingested",
        rows=1,
        silver=silver("bad-7", device="desktop"),
    )
    add(
        "click_with_an_object_where_a_url_belongs",
        {"object_url.json": lines(_click("bad-8", page_url={"path": "/"})).encode()},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver("bad-8", page_url=None),
    )
    add(
        "click_with_a_latin_1_referrer",
        {"latin1.json": lines(_click("bad-9", referrer="https://bücher.example/")).encode("latin-1")},
        status="ingested",
        rows=1,
        silver=silver("bad-9", referrer="https://bücher.example/"),
    )
    add("clicks_in_a_zip_archive", {"clicks.zip": b"PK\x03\x04" + b"\x00" * 40}, status="rejected", reason="not a")


# ------------------------------------------------------------------------------------------- ERP orders, lines

ORDER = pa.schema(
    [
        ("op", pa.string()),
        ("ts_ms", pa.int64()),
        ("lsn", pa.int64()),
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("store_id", pa.int32()),
        ("order_ts", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("currency", pa.string()),
        ("channel", pa.string()),
    ]
)
LINE = pa.schema(
    [
        ("op", pa.string()),
        ("ts_ms", pa.int64()),
        ("lsn", pa.int64()),
        ("order_id", pa.int64()),
        ("line_no", pa.int32()),
        ("product_id", pa.int64()),
        ("quantity", pa.int32()),
        ("unit_price", pa.decimal128(12, 2)),
        ("discount", pa.float64()),
    ]
)


def _order(order_id: int, **fields) -> dict:
    return {
        "op": "c",
        "ts_ms": T_MS,
        "lsn": LSN + order_id,
        "order_id": order_id,
        "customer_id": 1,
        "store_id": 1,
        "order_ts": T,
        "status": "placed",
        "currency": "EUR",
        "channel": "store",
        **fields,
    }


def _line(order_id: int, **fields) -> dict:
    return {
        "op": "c",
        "ts_ms": T_MS,
        "lsn": LSN + order_id * 10,
        "order_id": order_id,
        "line_no": 1,
        "product_id": 1,
        "quantity": 1,
        "unit_price": Decimal("9.99"),
        "discount": 0.0,
        **fields,
    }


def parquet(rows: list[dict], schema: pa.Schema | None = None, **options) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), out, **options)
    return out.getvalue()


def _order_cases(corpus: Corpus) -> None:
    add = corpus.feed("erp_orders", "erp/orders")
    silver, held = in_silver("orders", "order_id"), held_back("orders", "order_id")
    add(
        "order_placed_in_the_year_2999",
        {"y2999.parquet": parquet([_order(90301, order_ts=datetime(2999, 1, 1, tzinfo=UTC))], ORDER)},
        status="ingested",
        rows=1,
        quarantined=held(90301, "contract_order_ts_plausible"),
    )
    add(
        "order_placed_in_the_year_1",
        {"y1.parquet": parquet([_order(90302, order_ts=datetime(1, 1, 1, tzinfo=UTC))], ORDER)},
        status="ingested",
        rows=1,
        quarantined=held(90302, "contract_order_ts_plausible"),
    )
    add(
        "order_with_nanosecond_timestamps_in_int96",
        {"int96.parquet": parquet([_order(90303)], ORDER, use_deprecated_int96_timestamps=True)},
        status="ingested",
        rows=1,
        silver=silver(90303, status="placed"),
    )
    add(
        "order_with_milliseconds_beyond_any_year",
        {"overflow.parquet": parquet([_order(90304, ts_ms=2**62)], ORDER)},
        status="ingested",
        rows=1,
        quarantined=held(90304, "applicable_change"),
    )
    add(
        "order_with_an_unknown_status",
        {"status.parquet": parquet([_order(90305, status="lost")], ORDER)},
        status="ingested",
        rows=1,
        quarantined=held(90305, "known_status"),
    )
    add(
        "order_ids_as_text",
        {"text_ids.parquet": parquet([{**_order(90306), "order_id": "90306"}, {**_order(0), "order_id": "ORD-X"}])},
        status="ingested",
        rows=2,
        rescued=1,
        silver=silver(90306, status="placed"),
    )
    add(
        "order_with_a_struct_where_a_customer_id_belongs",
        {"struct.parquet": parquet([{**_order(90307), "customer_id": {"crm": 1, "erp": 2}}])},
        status="ingested",
        rows=1,
        rescued=1,
        quarantined=held(90307, "has_customer"),
    )
    add(
        "order_with_a_column_name_delta_refuses",
        {"column_name.parquet": parquet([{**_order(90308), "sales rep": "Kim"}])},
        status="ingested",
        rows=1,
        rescued=1,
        silver=silver(90308, status="placed"),
    )
    add(
        "two_order_changes_reusing_one_log_position",
        {
            "reused_lsn.parquet": parquet(
                [_order(90309, status="placed", lsn=LSN), _order(90309, status="paid", lsn=LSN)], ORDER
            )
        },
        status="ingested",
        rows=2,
        silver=silver(90309, status="placed"),
    )
    add(
        "orders_file_cut_short",
        {"truncated.parquet": parquet([_order(90310)], ORDER)[:200]},
        status="rejected",
        reason="parquet",
    )
    add(
        "orders_file_with_an_upper_case_extension",
        {"ORDERS.PARQUET": parquet([_order(90311)], ORDER)},
        status="ingested",
        rows=1,
        silver=silver(90311, status="placed"),
    )
    add(
        "orders_parquet_compressed_again_with_gzip",
        {"orders.parquet.gz": gzip.compress(parquet([_order(90312)], ORDER))},
        status="rejected",
        reason="not a",
    )

    add_line = corpus.feed("erp_order_lines", "erp/order_lines")
    held_line = held_back("order_lines", "order_id")
    add_line(
        "line_with_a_discount_above_one",
        {"discount.parquet": parquet([_line(90311, discount=1.5)], LINE)},
        status="ingested",
        rows=1,
        quarantined=held_line(90311, "contract_discount_less_than_or_equal_to"),
    )
    add_line(
        "line_with_a_negative_price",
        {"price.parquet": parquet([_line(90303, unit_price=Decimal("-1.00"))], LINE)},
        status="ingested",
        rows=1,
        quarantined=held_line(90303, "contract_unit_price_greater_than_or_equal_to"),
    )
    add_line(
        "line_with_no_quantity",
        {"quantity.parquet": parquet([_line(90306, quantity=0)], LINE)},
        status="ingested",
        rows=1,
        quarantined=held_line(90306, "positive_quantity"),
    )
    add_line(
        "line_with_a_price_as_text",
        {
            "price_text.parquet": parquet(
                [{**_line(90308), "unit_price": "9.99"}, {**_line(90309), "unit_price": "n/a"}]
            )
        },
        status="ingested",
        rows=2,
        rescued=1,
        silver={"table": "order_lines", "order_id": 90308, "unit_price": Decimal("9.99")},
    )


# ------------------------------------------------------------------------------------- stores and suppliers


def _store_cases(corpus: Corpus) -> None:
    schema = pa.schema(
        [
            ("store_id", pa.int32()),
            ("name", pa.string()),
            ("city", pa.string()),
            ("country", pa.string()),
            ("channel", pa.string()),
            ("opened_at", pa.date32()),
        ]
    )

    def orc_file(rows, file_schema=schema) -> bytes:
        out = io.BytesIO()
        orc.write_table(pa.Table.from_pylist(rows, schema=file_schema), out)
        return out.getvalue()

    def store(store_id: int, **f) -> dict:
        return {
            "store_id": store_id,
            "name": "Kiosk",
            "city": "Bonn",
            "country": "DE",
            "channel": "store",
            "opened_at": date(2020, 1, 1),
            **f,
        }

    add = corpus.feed("erp_stores", "erp/stores")
    add(
        "store_opened_in_the_year_1",
        {"y1.orc": orc_file([store(901, opened_at=date(1, 1, 1))])},
        status="ingested",
        rows=1,
        quarantined=("stores", "store_id", 901, "contract_opened_at_plausible"),
    )
    add(
        "store_opening_next_year",
        {"next_year.orc": orc_file([store(902, opened_at=date.today() + timedelta(400))])},
        status="ingested",
        rows=1,
        quarantined=("stores", "store_id", 902, "contract_opened_at_plausible"),
    )
    add("stores_file_cut_short", {"truncated.orc": orc_file([store(903)])[:100]}, status="rejected", reason="orc")
    add(
        "store_ids_as_text",
        {"text_id.orc": orc_file([{**store(0), "store_id": "904"}], schema.set(0, pa.field("store_id", pa.string())))},
        status="ingested",
        rows=1,
        silver={"table": "stores", "store_id": 904, "city": "Bonn"},
    )


def _supplier_cases(corpus: Corpus) -> None:
    record = {
        "type": "record",
        "name": "Supplier",
        "fields": [
            {"name": "supplier_id", "type": "long"},
            {"name": "name", "type": "string"},
            {"name": "country", "type": "string"},
            {"name": "email", "type": ["null", "string"]},
        ],
    }

    def avro(rows, schema=record) -> bytes:
        out = io.BytesIO()
        fastavro.writer(out, schema, rows)
        return out.getvalue()

    def supplier(supplier_id: int, **f) -> dict:
        return {
            "supplier_id": supplier_id,
            "name": "Acme",
            "country": "DE",
            "email": "info@acme.example",
            **f,
        }

    add = corpus.feed("erp_suppliers", "erp/suppliers")
    add(
        "supplier_with_an_invalid_email",
        {"email.avro": avro([supplier(90401, email="n/a")])},
        status="ingested",
        rows=1,
        quarantined=("suppliers", "supplier_id", 90401, "valid_email"),
    )
    add(
        "suppliers_file_cut_short",
        {"truncated.avro": avro([supplier(90402)] * 50)[:300]},
        status="rejected",
        reason="avro",
    )
    nested = {
        **record,
        "fields": [
            *record["fields"][:1],
            {
                "name": "name",
                "type": {
                    "type": "record",
                    "name": "Name",
                    "fields": [{"name": "legal", "type": "string"}, {"name": "short", "type": "string"}],
                },
            },
            *record["fields"][2:],
        ],
    }
    add(
        "supplier_with_a_record_where_a_name_belongs",
        {"nested.avro": avro([supplier(90403, name={"legal": "Acme GmbH", "short": "Acme"})], nested)},
        status="ingested",
        rows=1,
        rescued=1,
        silver={"table": "suppliers", "supplier_id": 90403, "name": None},
    )
    add(
        "supplier_file_with_an_upper_case_extension",
        {"SUPPLIERS.AVRO": avro([supplier(90404)])},
        status="ingested",
        rows=1,
        silver={"table": "suppliers", "supplier_id": 90404, "name": "Acme"},
    )


# ------------------------------------------------------------------------------------------------ documents

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _document_cases(corpus: Corpus) -> None:
    add = corpus.feed("doc_invoices", "docs/invoices")
    silver = in_silver("invoice_documents", "order_id")
    add(
        "invoice_that_is_a_png",
        {"invoice_90501.pdf": PNG},
        status="ingested",
        rows=1,
        quarantined=("invoice_documents", "order_id", 90501, "is_pdf"),
    )
    add(
        "invoice_with_an_upper_case_extension",
        {"invoice_90502.PDF": PDF},
        status="ingested",
        rows=1,
        silver=silver(90502, content_type="application/pdf"),
    )
    add("invoice_named_with_spaces_and_non_ascii", {"invoice_90503 (Kopie ü).pdf": PDF}, status="ingested", rows=1)
    add("invoice_without_an_order_number", {"invoice_draft.pdf": PDF}, status="ingested", rows=1)
    add("invoice_number_beyond_a_bigint", {"invoice_99999999999999999999999.pdf": PDF}, status="ingested", rows=1)
    add("invoice_that_is_empty", {"invoice_90504.pdf": b""}, status="rejected", reason="empty")
    add("note_in_the_invoice_folder", {"notes.txt": b"scan again\n"}, status="rejected", reason="not a")
    corpus.add(
        "image_with_an_upper_case_extension",
        "doc_product_images",
        "docs/product_images",
        {"product_90601.PNG": PNG},
        Expect("ingested", rows=1),
    )
    corpus.add(
        "image_in_a_format_the_feed_does_not_take",
        "doc_product_images",
        "docs/product_images",
        {"product_90602.gif": b"GIF89a" + b"\x00" * 10},
        Expect("rejected", reason="not a"),
    )


def write_corpus(landing: Path) -> list[Case]:
    """Writes every case into `landing`, which holds a sample delivery already; the cases."""
    corpus = Corpus(landing)
    for add_cases in (
        _extract_cases,
        _odd_csv_cases,
        _change_feed_cases,
        _product_cases,
        _click_cases,
        _order_cases,
        _store_cases,
        _supplier_cases,
        _document_cases,
    ):
        add_cases(corpus)
    return corpus.write()
