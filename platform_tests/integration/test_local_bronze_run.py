"""The README's main path end to end: generate the landing zone, materialize every asset with the
`lakehouse` CLI in a fresh process (as `make demo` does), read the tables back with delta-rs.

Proves: all Bronze tables are real Delta holding every record the sources delivered, the whole
graph runs on exactly one JVM, a second run ingests nothing, and a new batch of files is ingested
exactly once.
"""

import shutil
from pathlib import Path

import pyarrow.compute as pc
import pytest
from cli_runs import run_cli
from deltalake import DeltaTable

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.lib.targets import PROJECT_ROOT
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
SCALE = 3_000
# The re-runs are about Bronze's exactly-once ingestion; the first run covers the whole graph.
FILE_AND_API_FEEDS = "group:bronze and not kind:kafka"


def bronze(home: Path, name: str) -> DeltaTable:
    return DeltaTable(str(home / "data" / "bronze" / name))


def rows_by_feed(home: Path) -> dict[str, int]:
    return {feed.name: bronze(home, feed.name).to_pyarrow_dataset().count_rows() for feed in FILE_FEEDS}


def delivered_rows(summary, feed) -> int:
    counts = summary.feeds[feed.landing_path]
    return counts.valid_records + counts.malformed_records


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("lakehouse_home")
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


# Three CLI runs in fresh processes, the first through Gold: minutes on a quiet machine, more on a busy one.
@pytest.mark.timeout(1800)
def test_main_command_materializes_every_bronze_table_exactly_once(home):
    first = generate_landing(home / "data", scale=SCALE)
    output, jvms = run_cli(home, "materialize")

    assert "succeeded" in output
    assert len(jvms) == 1, f"expected one Spark JVM for the whole graph, saw {len(jvms)}"
    for feed in FILE_FEEDS:
        assert bronze(home, feed.name).to_pyarrow_dataset().count_rows() == delivered_rows(first, feed), feed.name
    clicks = bronze(home, "web_clickstream").to_pyarrow_dataset()
    assert (
        0
        < clicks.count_rows(filter=pc.field("_rescued_data").is_valid())
        <= first.feeds["web/clickstream"].malformed_records
    )
    assert bronze(home, "fx_rates").to_pyarrow_dataset().count_rows() > 0

    ledger = DeltaTable(str(home / "data" / "_system" / "ingest_ledger")).to_pyarrow_table()
    refused = ledger.filter(pc.field("status") == "rejected").num_rows
    assert refused == sum(f.empty_files for f in first.feeds.values()) + sum(
        f.corrupt_files
        for name, f in first.feeds.items()
        if not name.endswith(("clickstream", "products", "customer_changes"))
    )

    # Second run: nothing new arrived, nothing is ingested, no table gets a new version.
    versions = {feed.name: bronze(home, feed.name).version() for feed in FILE_FEEDS}
    before = rows_by_feed(home)
    run_cli(home, "materialize", "--select", FILE_AND_API_FEEDS)
    assert rows_by_feed(home) == before
    assert {feed.name: bronze(home, feed.name).version() for feed in FILE_FEEDS} == versions

    # A new batch of files lands: exactly those records are added.
    second = generate_landing(home / "data", scale=SCALE, batch=1)
    run_cli(home, "materialize", "--select", FILE_AND_API_FEEDS)
    after = rows_by_feed(home)
    for feed in FILE_FEEDS:
        assert after[feed.name] == before[feed.name] + delivered_rows(second, feed), feed.name
