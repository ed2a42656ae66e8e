"""The bad-input corpus (bad_input_corpus.py) beside a small sample delivery, materialized end to end with
the `lakehouse` CLI, twice: every case is ingested, rescued, quarantined or refused with a reason, no step
fails, every landing file is in the ledger, every table stays readable by delta-rs and DuckDB, Gold builds."""

import shutil
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pyarrow.compute as pc
import pytest
from bad_input_corpus import Case, write_corpus
from cli_runs import run_cli
from deltalake import DeltaTable

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.ingest.file_ingestion import table_schema
from lakehouse.lib.maintenance import delta_tables_under
from lakehouse.lib.targets import PROJECT_ROOT
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
SCALE = 2_000


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    home = tmp_path_factory.mktemp("bad_input_home")
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    generate_landing(home / "data", scale=SCALE)
    cases = write_corpus(home / "data" / "landing")
    # run_cli fails the test when a run fails; the second run finds nothing new.
    runs = [run_cli(home, "materialize")[0] for _ in range(2)]
    return home, cases, runs


def ledger(home: Path) -> list[dict]:
    return DeltaTable(str(home / "data" / "_system" / "ingest_ledger")).to_pyarrow_table().to_pylist()


def file_name(uri: str) -> str:
    return unquote(uri.rsplit("/", 1)[-1])


def rows_where(uri: Path, column: str, value, columns: list[str] | None = None) -> list[dict]:
    # Arrow, not pandas, and only the columns asked for: a quarantined time may lie beyond what Python holds.
    dataset = DeltaTable(str(uri)).to_pyarrow_dataset()
    return dataset.to_table(filter=pc.field(column) == value, columns=columns).to_pylist()


@pytest.mark.timeout(2400)
def test_every_step_succeeds_on_the_corpus_and_again_on_the_next_run(lake):
    _, _, runs = lake
    for output in runs:
        assert "succeeded" in output
        assert "check failed (ERROR)" not in output, [line for line in output.splitlines() if "check failed" in line]


def test_every_landing_file_is_in_the_ledger_once(lake):
    home, _, _ = lake
    landed = sorted(
        str(p.relative_to(home / "data" / "landing"))
        for p in (home / "data" / "landing").rglob("*")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(home / "data" / "landing").parts)
    )
    recorded = sorted(unquote(e["source_file"].split("/landing/", 1)[1]) for e in ledger(home))
    assert recorded == landed


def test_every_table_is_readable_by_delta_rs_and_duckdb(lake):
    home, _, _ = lake
    tables = delta_tables_under((home / "data").as_uri())
    assert len(tables) > 30
    for uri in tables:
        arrow = DeltaTable(uri).to_pyarrow_table()
        assert duckdb.sql("SELECT count(*) FROM arrow").fetchall()[0][0] == arrow.num_rows, uri


def test_gold_is_built_over_the_corpus(lake):
    home, _, _ = lake
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as warehouse:
        assert warehouse.sql("SELECT count(*) FROM gold.fact_orders WHERE order_id >= 90000").fetchall()[0][0] > 0


def test_every_bad_input_case_ends_as_expected(lake):
    home, cases, _ = lake
    problems = {case.name: problem for case in cases if (problem := _problem(home, case))}
    assert not problems, "\n".join(f"{name}: {problem}" for name, problem in problems.items())


def _problem(home: Path, case: Case) -> str | None:
    """What is wrong with where `case` ended; None when it ended as expected."""
    expect, data = case.expect, home / "data"
    entries = {file_name(e["source_file"]): e for e in ledger(home) if e["feed"] == case.feed}
    for file in case.files:
        entry = entries.get(file)
        if entry is None:
            return f"{file} is not in the ledger"
        got = (entry["status"], entry["rows"], entry["rescued_rows"], entry["reason"])
        if (
            entry["status"] != expect.status
            or expect.rows not in (None, entry["rows"])
            or expect.rescued not in (None, entry["rescued_rows"])
            or (expect.reason or "") not in (entry["reason"] or "")
        ):
            return f"ledger has (status, rows, rescued, reason) = {got}"
    if expect.silver:
        silver = dict(expect.silver)
        table, (key_column, key) = silver.pop("table"), next(iter(silver.items()))
        rows = rows_where(data / "silver" / table, key_column, key, list(silver))
        if rows != [silver]:
            return f"silver.{table} has {rows}"
    if expect.quarantined:
        table, key_column, key, rule = expect.quarantined
        held = rows_where(
            data / "quarantine" / "silver" / table, key_column, key, ["_rule", "_reason", "_invalid_reason"]
        )
        if not any(rule in row["_rule"] or rule in (row["_invalid_reason"] or "") for row in held):
            return f"not quarantined by {rule}: {[(row['_rule'], row['_reason']) for row in held]}"
    return None


def test_each_bronze_table_is_written_with_the_columns_it_is_read_as_before_it_exists(lake, spark):
    home, _, _ = lake
    for feed in FILE_FEEDS:
        written = spark.read.format("delta").load(str(home / "data" / "bronze" / feed.name)).schema
        declared = table_schema(feed)
        assert [(f.name, written[f.name].dataType) for f in declared.fields] == [
            (f.name, f.dataType) for f in declared.fields
        ], feed.name
