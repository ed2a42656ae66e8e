"""Which landing files a feed takes, how they are listed (hidden ones skipped) and opened, and what
ingestion records of each: every file in a feed's folder is ingested or refused with the reason."""

from __future__ import annotations

import bz2
import gzip
import json

import pytest
from landing_zone import by_name, feed_of, ingest, landing, ledger, table

from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.landing import is_hidden, list_landed_files, read_head


def feed(fmt: str, **options) -> FileFeed:
    return FileFeed(
        name="f", source_system="s", landing_path="p", format=fmt, expected_schema="", description="", **options
    )


@pytest.mark.parametrize(
    "name",
    [
        "a.json",
        "A.JSON",
        "a.Json",
        "a.json.gz",
        "a.JSON.GZ",
        "a.json.bz2",
        "a.json.deflate",
        "a.json.lz4",
        "a.json.snappy",
    ],
)
def test_a_json_feed_takes_json_in_any_case_and_compressed_as_hadoop_decodes_it(name):
    assert feed("json").refusal(name) is None


@pytest.mark.parametrize("name", ["a.txt", "a.jsonl", "a.json.zst", "a.json.zip", "json", "a.csv"])
def test_any_other_file_is_refused_naming_what_the_feed_takes(name):
    assert feed("json").refusal(name).startswith("not a file of this feed: it takes *.json (also compressed: .gz, ")


def test_self_describing_formats_are_taken_uncompressed_only():
    parquet = feed("parquet")
    assert parquet.refusal("ORDERS.PARQUET") is None
    assert parquet.refusal("orders.parquet.gz") == "not a file of this feed: it takes *.parquet"


def test_a_binary_feed_takes_the_extensions_it_names_and_must_name_some():
    assert feed("binaryFile", extensions=("pdf",)).refusal("scan.PDF") is None
    assert feed("binaryFile", extensions=("pdf",)).refusal("scan.png") is not None
    with pytest.raises(ValueError, match="must name the file extensions"):
        feed("binaryFile")


def test_hidden_files_and_folders_are_not_listed(spark, tmp_path):
    for name in ["a.json", "sub/b.json", ".upload.json", "_SUCCESS", "_tmp/c.json", "sub/.d.json", "e.json._COPYING_"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    listed = list_landed_files(spark, tmp_path.as_uri())
    assert sorted(f.path.removeprefix(f"file:{tmp_path}/") for f in listed) == ["a.json", "sub/b.json"]
    assert is_hidden("_tmp/c.json") and not is_hidden("sub/b.json")


def test_the_head_of_a_file_is_read_decompressed_whatever_the_case_of_its_suffix(spark, tmp_path):
    (tmp_path / "a.json.GZ").write_bytes(gzip.compress(b'{"id": 1}\n' * 10_000))
    [landed] = list_landed_files(spark, tmp_path.as_uri())
    assert read_head(spark, landed.path, 20) == b'{"id": 1}\n{"id": 1}\n'


def test_every_file_in_the_folder_is_ingested_or_refused_with_the_reason(spark, storage, lake_root):
    feed = feed_of("json", "id bigint")
    folder = landing(lake_root, feed)
    for i, name in enumerate(
        ["a.JSON", "b.json.gz", "c.Json.GZ", "d.json.bz2", "notes.txt", "e.json.zst", "f.parquet.gz"]
    ):
        content = json.dumps({"id": i}).encode() + b"\n"
        (folder / name).write_bytes(
            gzip.compress(content)
            if name.lower().endswith(".gz")
            else bz2.compress(content)
            if name.endswith(".bz2")
            else content
        )
    (folder / ".uploading.json").write_text('{"id": 99}\n')

    report = ingest(spark, storage, feed)

    assert (report.files_ingested, report.rows) == (4, 4)
    assert sorted(r.id for r in table(spark, storage, feed).collect()) == [0, 1, 2, 3]
    refused = by_name(report.rejected)
    assert sorted(refused) == ["e.json.zst", "f.parquet.gz", "notes.txt"]
    assert all(reason.startswith("not a file of this feed: it takes *.json") for reason in refused.values())
    assert report.metadata()["files_rejected"] == 3 and "notes.txt" in report.metadata()["rejected_files"].value
    assert ledger(spark, storage).count() == 7  # one row per file; the hidden one is not the feed's yet


NAMES = ["a b", "é ü", "100%", "p%41", "a+b", "x[1]", "x1", "y]2", "h#1", "c{1}", "c{1,2}", "st*r", "q?"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_file_names_that_need_url_encoding_are_read_literally_and_recorded_by_their_uri(spark, storage, lake_root, fmt):
    feed = feed_of(fmt, "name string")
    folder = landing(lake_root, feed)
    for name in NAMES:  # as globs, `x[1]` would match `x1`, and `c{1,2}` not itself
        (folder / f"{name}.{fmt}").write_text(
            json.dumps({"name": name}) + "\n" if fmt == "json" else f'name\n"{name}"\n'
        )

    report = ingest(spark, storage, feed)

    assert report.rows == len(NAMES) and not report.rejected
    recorded = {r.source_file: r.rows for r in ledger(spark, storage).collect()}
    bronze = {r._source_file: r.name for r in table(spark, storage, feed).collect()}
    assert recorded == dict.fromkeys(bronze, 1)  # the ledger and Bronze name each file alike
    assert sorted(by_name(bronze).items()) == sorted((f"{name}.{fmt}", name) for name in NAMES)  # each read only itself
    assert f"file:{folder}/a%20b.{fmt}" in bronze and f"file:{folder}/100%25.{fmt}" in bronze


def test_a_file_the_filesystem_cannot_open_is_refused_not_blocking_the_feed(spark, storage, lake_root):
    feed = feed_of("json", "id bigint")
    folder = landing(lake_root, feed)
    (folder / "good.json").write_text('{"id": 1}\n')
    (folder / "a:b.json").write_text('{"id": 2}\n')  # Hadoop's local filesystem cannot name its checksum file

    report = ingest(spark, storage, feed)

    assert report.rows == 1
    assert by_name(report.rejected)["a:b.json"].startswith("unreadable json file: URISyntaxException")
