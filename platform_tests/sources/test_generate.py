import csv
import hashlib
import io
import json
import struct
import zlib
from datetime import datetime
from itertools import accumulate
from pathlib import Path

import fastavro
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from lakehouse.sources.crm import UNKNOWN_KEY_BASE
from lakehouse.sources.generate import BATCH_RECORDS, generate_landing

SCALE = 2_000

# feed -> (expected keys, field -> JSON types it may have)
JSON_FEEDS = {
    "web/clickstream": (
        {
            "event_id",
            "event_ts",
            "session_id",
            "customer_id",
            "event_type",
            "page_url",
            "product_id",
            "referrer",
            "user_agent",
            "device",
        },
        {"customer_id": (int, type(None)), "product_id": (int, type(None)), "event_ts": (str,)},
    ),
    "erp/products": (
        {"product_id", "sku", "name", "category", "unit_price", "currency", "supplier_id", "updated_at"},
        {"product_id": (int,), "unit_price": (int, float), "supplier_id": (int,)},
    ),
    "crm/customer_changes": (
        {"op", "ts_ms", "lsn", "before", "after"},
        {"ts_ms": (int,), "lsn": (int,)},
    ),
}
CSV_COLUMNS = [
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


def file_hashes(root: Path) -> dict[str, str]:
    files = (path for path in root.rglob("*") if path.is_file())
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def feed_files(root: Path, feed: str) -> list[Path]:
    return sorted((root / "landing" / feed).iterdir())


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    return root, generate_landing(root, SCALE)


def parse_json_lines(files: list[Path]) -> tuple[list[dict], int]:
    """Parsed objects in file order, and the number of lines that are not JSON."""
    records, unparsable = [], 0
    for path in files:
        for line in path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                unparsable += 1
    return records, unparsable


def parse_json_feed(root: Path, feed: str, batch: int | None = None) -> tuple[list[dict], int]:
    files = feed_files(root, feed)
    return parse_json_lines([f for f in files if batch is None or f"_b{batch:03d}_" in f.name])


def well_formed(records: list[dict], feed: str) -> list[dict]:
    keys, types = JSON_FEEDS[feed]
    return [r for r in records if set(r) == keys and all(isinstance(r[k], t) for k, t in types.items())]


def test_same_arguments_give_byte_identical_files(generated, tmp_path):
    root, _ = generated
    generate_landing(tmp_path, SCALE)
    assert file_hashes(tmp_path) == file_hashes(root)


def test_another_seed_gives_other_data(generated, tmp_path):
    root, _ = generated
    generate_landing(tmp_path, SCALE, seed=8)
    ours, theirs = file_hashes(root), file_hashes(tmp_path)
    for feed in ["web/clickstream", "crm/customers", "erp/orders", "erp/order_lines", "erp/products"]:
        first_data_file = next(path for path in feed_files(root, feed) if path.stat().st_size)
        name = str(first_data_file.relative_to(root))
        assert ours[name] != theirs[name], name


def test_later_batch_adds_new_files_with_new_records_and_keeps_old_ones(tmp_path):
    generate_landing(tmp_path, SCALE, batch=0)
    first = file_hashes(tmp_path)
    summary = generate_landing(tmp_path, SCALE, batch=1)
    second = file_hashes(tmp_path)

    assert {name: second[name] for name in first} == first
    added = set(second) - set(first)
    for feed in summary.feeds:
        assert any(name.startswith(f"landing/{feed}/") for name in added), feed
    assert [n for n in added if "/crm/customers/" in n] == ["landing/crm/customers/customers_20260110.csv"]
    assert all(
        "_b001_" in n for n in added if "/docs/" not in n and "/crm/customers/" not in n and BATCH_RECORDS not in n
    )

    old_events = well_formed(parse_json_feed(tmp_path, "web/clickstream", batch=0)[0], "web/clickstream")
    new_events = well_formed(parse_json_feed(tmp_path, "web/clickstream", batch=1)[0], "web/clickstream")
    assert not {e["event_id"] for e in new_events} & {e["event_id"] for e in old_events}
    assert min(e["event_ts"] for e in new_events) > max(e["event_ts"] for e in old_events)
    old_changes = well_formed(parse_json_feed(tmp_path, "crm/customer_changes", batch=0)[0], "crm/customer_changes")
    new_changes = well_formed(parse_json_feed(tmp_path, "crm/customer_changes", batch=1)[0], "crm/customer_changes")
    assert min(c["lsn"] for c in new_changes) > max(c["lsn"] for c in old_changes)
    assert min(c["ts_ms"] for c in new_changes) > max(c["ts_ms"] for c in old_changes)


def test_a_small_batch_after_a_large_one_is_a_small_day_for_the_same_customers(tmp_path):
    def extract_ids(name):
        with open(tmp_path / "landing/crm/customers" / name, newline="") as f:
            return {row["customer_id"] for row in csv.DictReader(f)}

    def changes(batch):
        return well_formed(parse_json_feed(tmp_path, "crm/customer_changes", batch=batch)[0], "crm/customer_changes")

    generate_landing(tmp_path, SCALE * 50)
    generate_landing(tmp_path, SCALE * 5, batch=1)

    before, after = extract_ids("customers_20260107.csv"), extract_ids("customers_20260110.csv")
    batch_1 = changes(1)
    assert 5 * len(batch_1) < len(changes(0))  # the activity follows the small batch ...
    assert len(before ^ after) <= len(batch_1) < len(before) / 10  # ... against the same customer base
    updated = {str(c["after"]["customer_id"]) for c in batch_1 if c["op"] == "u"}
    assert updated and updated <= before | after


def test_scale_drives_volumes(generated, tmp_path):
    _, small = generated
    large = generate_landing(tmp_path, SCALE * 3)

    def records(summary, feed):
        return summary.feeds[feed].valid_records + summary.feeds[feed].malformed_records

    assert records(small, "web/clickstream") == SCALE
    assert records(large, "web/clickstream") == SCALE * 3
    for feed in ["erp/orders", "erp/order_lines"]:
        assert records(large, feed) > 2 * records(small, feed)
    assert records(small, "erp/stores") == 25 and records(small, "erp/suppliers") == 12


def test_every_feed_is_present_in_its_format(generated):
    root, summary = generated
    expected = {
        "crm/customers": ".csv",
        "crm/customer_changes": ".json",
        "erp/products": ".json",
        "erp/stores": ".orc",
        "erp/suppliers": ".avro",
        "erp/orders": ".parquet",
        "erp/order_lines": ".parquet",
        "web/clickstream": ".json",
        "docs/invoices": ".pdf",
        "docs/product_images": ".png",
    }
    assert set(summary.feeds) == set(expected)
    for feed, suffix in expected.items():
        files = feed_files(root, feed)
        assert files and {f.suffix for f in files} == {suffix}, feed
        assert summary.feeds[feed].files == len(files)
        assert summary.feeds[feed].bytes == sum(f.stat().st_size for f in files)
    feed_data = [f for f in (root / "landing").rglob("*") if f.is_file() and BATCH_RECORDS not in f.parts]
    assert summary.total_bytes == sum(f.stat().st_size for f in feed_data)
    assert len(feed_files(root, "web/clickstream")) >= 3  # at least two data files plus an empty one


@pytest.mark.parametrize("feed", JSON_FEEDS)
def test_json_feed_malformed_lines_match_summary(generated, feed):
    root, summary = generated
    counts = summary.feeds[feed]
    records, unparsable = parse_json_feed(root, feed)
    keys, types = JSON_FEEDS[feed]
    assert unparsable == counts.malformed["broken_json"] + counts.malformed["truncated_line"]
    assert sum(1 for r in records if set(r) > keys) == counts.malformed["extra_field"]
    assert sum(1 for r in records if set(r) < keys) == counts.malformed["missing_field"]
    wrong_type = [r for r in records if set(r) == keys and r not in well_formed([r], feed)]
    assert len(wrong_type) == counts.malformed["wrong_type"]
    assert len(records) + unparsable == counts.valid_records + counts.malformed_records
    assert all(counts.malformed[kind] > 0 for kind in ["broken_json", "wrong_type", "missing_field", "extra_field"])

    files = feed_files(root, feed)
    assert sum(f.stat().st_size == 0 for f in files) == counts.empty_files == 1
    assert sum(f.read_bytes()[-1:] not in (b"", b"\n") for f in files) == counts.corrupt_files == 1


def readable_tables(files: list[Path], read) -> tuple[list[pa.Table], int]:
    tables, failures = [], 0
    for path in files:
        try:
            tables.append(read(path))
        except Exception:  # noqa: BLE001 - any reader error means the file is unusable
            failures += 1
    return tables, failures


@pytest.mark.parametrize(
    ("feed", "read", "faults"),
    [
        ("erp/orders", pq.read_table, {"null_key": ("order_id", None), "invalid_value": ("status", "unknown")}),
        ("erp/order_lines", pq.read_table, {"null_key": ("order_id", None), "invalid_value": ("quantity", -3)}),
        ("erp/stores", orc.read_table, {"invalid_value": ("channel", "kiosk")}),
        (
            "erp/suppliers",
            lambda p: pa.Table.from_pylist(list(fastavro.reader(p.open("rb")))),
            {"invalid_email": ("email", "n/a")},
        ),
    ],
)
def test_binary_feed_files_are_readable_except_the_broken_ones(generated, feed, read, faults):
    root, summary = generated
    counts = summary.feeds[feed]
    tables, failures = readable_tables(feed_files(root, feed), read)
    assert failures == counts.empty_files + counts.corrupt_files == 2
    assert sum(t.num_rows for t in tables) == counts.valid_records + counts.malformed_records
    for kind, (column, value) in faults.items():
        values = [v for t in tables for v in t[column].to_pylist()]
        assert sum(v == value for v in values) == counts.malformed[kind] > 0, kind
    assert len({t.schema for t in tables}) == 1 + counts.schema_drift_files


def test_order_lines_drift_file_has_quantity_as_text(generated):
    root, _ = generated
    types = {pq.read_schema(f).field("quantity").type for f in feed_files(root, "erp/order_lines") if _is_parquet(f)}
    assert types == {pa.int32(), pa.string()}


def _is_parquet(path: Path) -> bool:
    data = path.read_bytes()
    return data[:4] == data[-4:] == b"PAR1"


def test_csv_extracts_malformed_rows_and_headers_match_summary(generated):
    root, summary = generated
    counts = summary.feeds["crm/customers"]
    headers, rows = [], []
    for path in feed_files(root, "crm/customers"):
        text = path.read_text()
        if not text:
            continue
        header, *body = list(csv.reader(io.StringIO(text)))
        headers.append(header)
        rows += [dict(zip(header, row)) | {"_fields": len(row), "_expected": len(header)} for row in body]

    assert counts.empty_files == 1 and len(headers) == 3 and counts.schema_drift_files == 2
    assert headers[0] == CSV_COLUMNS
    assert headers[1] == CSV_COLUMNS + ["loyalty_tier"]
    assert headers[2] == [c for c in CSV_COLUMNS if c != "phone"]
    short = [r for r in rows if r["_fields"] < r["_expected"]]
    full = [r for r in rows if r["_fields"] == r["_expected"]]
    assert len(short) == counts.malformed["too_few_fields"]
    assert sum(not r["customer_id"].isdigit() for r in full) == counts.malformed["wrong_type"]
    assert sum(not _is_timestamp(r["updated_at"]) for r in full) == counts.malformed["bad_timestamp"]
    assert len(rows) == counts.valid_records + counts.malformed_records
    assert all(counts.malformed[k] > 0 for k in ["too_few_fields", "wrong_type", "bad_timestamp"])


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_successive_extracts_differ(generated):
    root, _ = generated
    snapshots = []
    for path in feed_files(root, "crm/customers"):
        if path.stat().st_size:
            snapshots.append({row["customer_id"]: row["updated_at"] for row in csv.DictReader(path.open())})
    for before, after in zip(snapshots, snapshots[1:]):
        assert set(after) - set(before), "customers added"
        assert set(before) - set(after), "customers removed"
        assert any(before[k] != after[k] for k in set(before) & set(after)), "customers updated"


def test_change_feed_anomalies_match_summary(generated):
    root, summary = generated
    records, _ = parse_json_feed(root, "crm/customer_changes")
    events = well_formed(records, "crm/customer_changes")
    fingerprints = [json.dumps(event, sort_keys=True) for event in events]
    lsns = [event["lsn"] for event in events]
    keys = [(event["after"] or event["before"])["customer_id"] for event in events]
    deletes = {(key, event["lsn"]) for key, event in zip(keys, events) if event["op"] == "d"}

    assert summary.feeds["crm/customer_changes"].anomalies == {
        "duplicates": len(fingerprints) - len(set(fingerprints)),
        "out_of_order": sum(lsn < highest for lsn, highest in zip(lsns[1:], accumulate(lsns, max))),
        "deletes_of_unknown_keys": sum(e["op"] == "d" and key >= UNKNOWN_KEY_BASE for key, e in zip(keys, events)),
        "reinserts_after_delete": sum(
            e["op"] == "c" and any(k == key and lsn < e["lsn"] for k, lsn in deletes) for key, e in zip(keys, events)
        ),
    }
    assert all(count > 0 for count in summary.feeds["crm/customer_changes"].anomalies.values())


def test_change_events_chain_before_and_after_images(generated):
    root, _ = generated
    records, _ = parse_json_feed(root, "crm/customer_changes")
    # Lines with a wrong type, a missing or an extra field still show their images; only cut lines are lost.
    events = {r["lsn"]: r for r in records if isinstance(r.get("lsn"), int) and {"before", "after"} <= set(r)}
    lost = set(range(min(events), max(events) + 1)) - set(events)
    ops = {lsn: e.get("op") for lsn, e in events.items()}
    assert all((e["before"] is None) == (ops[lsn] == "c") for lsn, e in events.items() if ops[lsn])
    assert all((e["after"] is None) == (ops[lsn] == "d") for lsn, e in events.items() if ops[lsn])

    previous = {}
    for lsn in sorted(events):
        event = events[lsn]
        key = (event["after"] or event["before"])["customer_id"]
        if key in previous and not lost & set(range(previous[key][0], lsn)):
            assert event["before"] == previous[key][1]
        previous[key] = (lsn, event["after"])


def test_clickstream_sessions_are_coherent(generated):
    root, _ = generated
    records, _ = parse_json_feed(root, "web/clickstream")
    events = well_formed(records, "web/clickstream")
    sessions: dict[str, list[dict]] = {}
    for event in events:
        sessions.setdefault(event["session_id"], []).append(event)
    assert len(events) / len(sessions) > 3
    for session in sessions.values():
        assert [e["event_ts"] for e in session] == sorted(e["event_ts"] for e in session)
        assert len({(e["customer_id"], e["device"], e["user_agent"]) for e in session}) == 1
    assert {e["event_ts"][:10] for e in events} == {"2026-01-05", "2026-01-06", "2026-01-07"}
    assert {e["event_type"] for e in events} == {"page_view", "product_view", "add_to_cart", "checkout", "purchase"}
    assert all(e["product_id"] is not None for e in events if e["event_type"] in ("product_view", "purchase"))
    assert any(e["customer_id"] is None for e in events) and any(e["customer_id"] for e in events)


def test_documents_are_small_valid_pdfs_and_pngs(generated):
    root, summary = generated
    invoices, images = feed_files(root, "docs/invoices"), feed_files(root, "docs/product_images")
    assert 0 < len(invoices) <= 24 and 0 < len(images) <= 24
    for invoice in invoices:
        pdf = invoice.read_bytes()
        order_id = invoice.stem.removeprefix("invoice_")
        assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF") and order_id.encode() in pdf
    for image in images:
        png = image.read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        idat_length = struct.unpack(">I", png[33:37])[0]
        assert (width, height) == (8, 8)
        assert len(zlib.decompress(png[41 : 41 + idat_length])) == height * (1 + 3 * width)


def test_summary_is_serialisable_and_readable(generated):
    _, summary = generated
    as_dict = json.loads(json.dumps(summary.to_dict()))
    assert as_dict["scale"] == SCALE and as_dict["total_bytes"] == summary.total_bytes
    assert as_dict["feeds"]["web/clickstream"]["malformed"]["broken_json"] > 0
    text = str(summary)
    assert "web/clickstream" in text and f"{summary.total_files} files" in text


def test_rejects_nonsense_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_landing(tmp_path, 10)
    with pytest.raises(ValueError):
        generate_landing(tmp_path, SCALE, bad_fraction=0.9)
