"""Bronze -> Silver on generated sources, in one process on real Spark + Delta.

Proves: the accounting identity for every Silver table, quarantine tables hold exactly what was
quarantined, orders equal an independent replay of the ERP change events, a re-run reads nothing,
an incremental run after a new batch equals a full rebuild from Bronze, and a backfill of some days
of the clickstream rebuilds those days alone, and a write or a full refresh that dies half-way is
finished by the next run.
"""

from contextlib import contextmanager

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from in_process import in_process_job
from lakehouse.definitions import defs
from lakehouse.defs.silver.tables import BATCH_FEEDS, SILVER_STEPS, SILVER_TABLES, step_name
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.partitions import DAYS_APPLIED, describe_listed_days
from lakehouse.lib.quality.pii import PiiMasking
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
SCALE = 2_000
VALID_STATUS = {"placed", "paid", "shipped", "cancelled"}
FILE_AND_API_FEEDS = "group:bronze and not kind:kafka"
CLICKSTREAM = dg.AssetKey(["silver", "clickstream_events"])
CUSTOMERS, HISTORY = (dg.AssetKey(["silver", name]) for name in ("customers", "customer_history"))
FULL_REFRESH_OF_CUSTOMERS = {"ops": {step_name("customers"): {"config": {"full_refresh": True}}}}


@pytest.fixture(scope="module")
def lake(tmp_path_factory, spark_resource, sample_fx_api):
    from lakehouse.lib.storage import LakehouseStorage

    root = tmp_path_factory.mktemp("silver_lake")
    generate_landing(root, scale=SCALE)
    storage = LakehouseStorage(root_uri=root.as_uri())
    definitions = defs()
    resources = {
        **definitions.resources,
        **in_process_spark(spark_resource),
        "storage": storage,
        "fx_api": sample_fx_api,
        "pii": PiiMasking(salt="test-salt"),
    }

    def run(selection: str, config: dict | None = None, tags: dict | None = None):
        job = in_process_job(definitions, resources, dg.define_asset_job("silver_test", selection=selection))
        # Run config, not the job's: a job with a partitioned asset reads its own config per partition.
        return job.execute_in_process(run_config=config, raise_on_error=False, tags=tags)

    assert run(FILE_AND_API_FEEDS).success
    # Silver is built once here; each test starts from the state the tests before it left.
    return root, run, run("group:silver")


def table(root, *path):
    return DeltaTable(str(root.joinpath(*path))).to_pyarrow_table()


def events(root):
    return table(root, "_system", "table_events").to_pylist()


def test_silver_accounting_quarantine_and_an_independent_replay_of_orders(lake):
    root, _, result = lake
    failed_checks = [e.asset_check_key.name for e in result.get_asset_check_evaluations() if not e.passed]
    assert set(failed_checks) <= {"references_silver_orders"}, failed_checks  # orphans of a lost file: a warning

    for event in events(root):
        assert event["rows_in"] == event["rows_out"] + event["rows_dropped"] + event["rows_quarantined"], event
        if event["rows_quarantined"]:
            name = event["table"].split(".")[1]
            assert table(root, "quarantine", "silver", name).num_rows == event["rows_quarantined"]

    # Replay the ERP order events independently: valid ones only, the highest LSN per order wins.
    files = sorted((root / "landing" / "erp" / "orders").glob("*.parquet"))
    readable = []
    for f in files:
        try:
            readable.append(pq.read_table(f).to_pylist())
        except Exception:
            continue  # the generator's empty and truncated deliveries
    latest = {}
    for e in (row for rows in readable for row in rows):
        if e["order_id"] is None or e["op"] not in "cud" or (e["op"] != "d" and e["status"] not in VALID_STATUS):
            continue
        if e["order_id"] not in latest or e["lsn"] > latest[e["order_id"]]["lsn"]:
            latest[e["order_id"]] = e
    expected = {k: e["status"] for k, e in latest.items() if e["op"] != "d"}
    orders = table(root, "silver", "orders").filter(pc.field("is_deleted") == False)  # noqa: E712
    assert dict(zip(orders.column("order_id").to_pylist(), orders.column("status").to_pylist())) == expected

    # Every live event with a session is counted in exactly one session, and purchases add up.
    clicks = table(root, "silver", "clickstream_events").filter(
        ~pc.field("is_deleted") & pc.field("session_id").is_valid()
    )
    sessions = table(root, "silver", "clickstream_sessions")
    assert sessions.num_rows == len(set(clicks.column("session_id").to_pylist()))
    assert pc.sum(sessions.column("event_count")).as_py() == clicks.num_rows
    purchases = clicks.filter(pc.field("event_type") == "purchase").num_rows
    assert pc.sum(sessions.column("purchases")).as_py() == purchases > 0


def test_rerun_reads_nothing_and_a_new_batch_incrementally_equals_a_full_rebuild(lake, tmp_path_factory):
    root, run, _ = lake
    rerun = run("group:silver")
    rerun_events = [e for e in events(root) if e["run_id"] == rerun.run_id]
    assert len(rerun_events) == len(SILVER_TABLES) and [e["table"] for e in rerun_events if e["rows_in"]] == []
    assert _checked_event_days(rerun) == ([], "none")  # nothing applied, nothing to re-validate

    generate_landing(root, scale=SCALE, batch=1)
    assert run(FILE_AND_API_FEEDS).success
    version_before = DeltaTable(str(root / "silver" / "clickstream_events")).version()
    incremental_run = run("group:silver")
    applied, checked = _checked_event_days(incremental_run)
    changed = DeltaTable(str(root / "silver" / "clickstream_events")).load_cdf(
        starting_version=version_before + 1, columns=["event_date", "_change_type"]
    )
    changed = pa.table(changed.read_all()).to_pylist()
    assert {str(c["event_date"]) for c in changed if c["_change_type"] != "update_preimage"} <= set(applied)
    assert applied
    assert checked == describe_listed_days(applied)
    rebuilt = ("customers", "orders", "order_lines", "clickstream_events", "clickstream_sessions")
    incremental = {name: _content(root, name) for name in rebuilt}

    steps = {step_name(step) for step, tables in SILVER_STEPS.items() if {t.name for t in tables} & set(rebuilt)}
    full = run("group:silver", config={"ops": {step: {"config": {"full_refresh": True}} for step in steps}})
    read = {e["table"]: e["rows_in"] for e in events(root) if e["run_id"] == full.run_id}
    assert all(read[f"silver.{name}"] > 0 for name in rebuilt), read  # they read all of Bronze again
    for name, rows in incremental.items():
        assert _content(root, name) == rows, name
    every_day = sorted({str(d) for d in table(root, "silver", "clickstream_events").column("event_date").to_pylist()})
    assert _checked_event_days(full)[0] == every_day


def _checked_event_days(result):
    """The days the run's unpartitioned materialization of the event table applied, and the days its
    contract check validated (both checks passed)."""
    [materialization] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == CLICKSTREAM and e.partition is None
    ]
    checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations() if e.asset_key == CLICKSTREAM}
    assert checks["contract"].passed and checks["unique_key"].passed
    assert checks["unique_key"].metadata["checked_days"] == checks["contract"].metadata["checked_days"]
    return materialization.metadata[DAYS_APPLIED].value, checks["contract"].metadata["checked_days"].value


def _content(root, name):
    t = table(root, "silver", name)
    return sorted(map(str, t.drop_columns([c for c in t.column_names if c == "_event_ts"]).to_pylist()))


def _quarantined(root, name):
    return sorted(map(str, table(root, "quarantine", "silver", name).drop_columns(["_quarantined_at"]).to_pylist()))


def test_a_backfill_rebuilds_its_days_from_bronze_leaves_the_others_and_checks_them(lake, spark):
    root, run, _ = lake
    uri = str(root / "silver" / "clickstream_events")
    before = table(root, "silver", "clickstream_events")
    days = sorted(set(before.column("event_date").to_pylist()))
    first, second, untouched = str(days[0]), str(days[1]), str(days[-1])
    # Damage one day the backfill rebuilds, and one it must leave alone.
    spark.sql(f"DELETE FROM delta.`{uri}` WHERE event_date = '{first}'")
    spark.sql(f"UPDATE delta.`{uri}` SET referrer = 'edited by hand' WHERE event_date = '{untouched}'")
    files_before = _files_by_day(uri)

    result = run(
        "key:silver/clickstream_events",
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": second},
    )

    assert result.success
    assert sorted(e.partition for e in result.get_asset_materialization_events()) == [first, second]
    [metadata] = {
        str(e.materialization.metadata["partitions/rewritten"].value) for e in result.get_asset_materialization_events()
    }
    assert metadata == f"{first}..{second}"
    checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    assert checks["contract"].passed and checks["unique_key"].passed
    assert checks["contract"].metadata["checked_days"].value == f"{first}..{second}"

    after = table(root, "silver", "clickstream_events")
    for day in (days[0], days[1]):
        assert _rows_of_day(after, day) == _rows_of_day(before, day), day
    assert set(_rows_of_day(after, days[-1], "referrer")) == {"edited by hand"}
    files_after = _files_by_day(uri)
    assert {d: f for d, f in files_after.items() if d not in (first, second)} == {
        d: f for d, f in files_before.items() if d not in (first, second)
    }
    assert files_after[first].isdisjoint(files_before.get(first, set())) and files_after[first]
    backfill = [e for e in events(root) if e["run_id"] == result.run_id]
    assert [
        (e["table"], e["rows_in"] == e["rows_out"] + e["rows_dropped"] + e["rows_quarantined"]) for e in backfill
    ] == [("silver.clickstream_events", True)]


def test_the_customer_tables_share_one_step_and_either_catches_up_alone(lake):
    root, run, _ = lake
    generate_landing(root, scale=SCALE, batch=2)
    assert run(FILE_AND_API_FEEDS).success

    alone = run(dg.AssetSelection.assets(HISTORY))
    assert alone.success and {e.asset_key for e in alone.get_asset_materialization_events()} == {HISTORY}
    [history_alone] = [e for e in events(root) if e["run_id"] == alone.run_id]
    assert history_alone["table"] == "silver.customer_history" and history_alone["rows_in"] > 0

    # Now customers are a batch behind their history: the step reads each table's own increment.
    both = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY))
    steps = {e.step_key for e in both.get_asset_materialization_events()}
    assert both.success and steps == {"silver__customers"}
    read = {e["table"]: e["rows_in"] for e in events(root) if e["run_id"] == both.run_id}
    assert read == {"silver.customers": history_alone["rows_in"], "silver.customer_history": 0}
    # In step again: the next batch is read once and applied to both.
    generate_landing(root, scale=SCALE, batch=3)
    assert run(FILE_AND_API_FEEDS).success
    together = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY))
    counts = [
        (e["rows_in"], e["rows_out"], e["rows_quarantined"]) for e in events(root) if e["run_id"] == together.run_id
    ]
    assert len(counts) == 2 and counts[0] == counts[1] and counts[0][0] > 0


def test_a_failed_write_of_one_customer_table_keeps_the_other_and_catches_up_next_run(lake):
    root, run, _ = lake
    generate_landing(root, scale=SCALE, batch=4)
    assert run(FILE_AND_API_FEEDS).success
    # The history's change log cannot be written: a file stands where its table should be.
    with _not_a_delta_table(root / "_system" / "change_log" / "silver" / "customer_history"):
        broken = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY))
    assert not broken.success
    assert {e.asset_key for e in broken.get_asset_materialization_events()} == {CUSTOMERS}
    logged = {e["table"]: e for e in events(root) if e["run_id"] == broken.run_id}
    assert logged["silver.customers"]["error"] is None
    # The failed write is in the event log with the rows it read and why it failed.
    assert logged["silver.customer_history"]["rows_in"] == logged["silver.customers"]["rows_in"] > 0
    assert "change_log" in logged["silver.customer_history"]["error"]

    healed = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY))
    read = {e["table"]: e["rows_in"] for e in events(root) if e["run_id"] == healed.run_id}
    assert healed.success and read["silver.customers"] == 0 and read["silver.customer_history"] > 0


def test_a_failed_table_of_the_batch_feeds_step_keeps_the_others_and_catches_up_next_run(lake):
    root, run, _ = lake
    step = SILVER_STEPS[BATCH_FEEDS]
    tables = dg.AssetSelection.assets(*[t.key for t in step])
    stores = dg.AssetKey(["silver", "stores"])
    generate_landing(root, scale=SCALE, batch=5)
    assert run(FILE_AND_API_FEEDS).success
    # The stores' Bronze cannot be read: a file stands where its table should be.
    with _not_a_delta_table(root / "bronze" / "erp_stores"):
        broken = run(tables)
    assert not broken.success
    written = {e.asset_key for e in broken.get_asset_materialization_events()}
    assert written == {t.key for t in step} - {stores}
    logged = {e["table"]: e for e in events(root) if e["run_id"] == broken.run_id}
    assert sorted(logged) == sorted(f"silver.{t.name}" for t in step)
    assert [name for name, e in logged.items() if e["error"]] == ["silver.stores"]
    assert logged["silver.stores"]["rows_in"] is None  # it failed reading its source, before it knew its rows
    assert broken.failure_data_for_node(step_name(BATCH_FEEDS)) is not None

    healed = run(tables)
    read = {e["table"]: e["rows_in"] for e in events(root) if e["run_id"] == healed.run_id}
    assert healed.success and read.pop("silver.stores") > 0 and set(read.values()) == {0}, read


@contextmanager
def _not_a_delta_table(path):
    """A file stands where the Delta table at `path` should be: reads and writes of it fail."""
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    path.write_text("not a Delta table")
    try:
        yield
    finally:
        path.unlink()
        aside.rename(path)


def _rows_of_day(t, day, column=None):
    rows = t.filter(pc.field("event_date") == day)
    return sorted(map(str, rows.column(column).to_pylist() if column else rows.drop_columns(["_event_ts"]).to_pylist()))


def _files_by_day(uri):
    actions = pa.table(DeltaTable(uri).get_add_actions(flatten=True)).to_pylist()
    by_day = {}
    for action in actions:
        by_day.setdefault(str(action["partition.event_date"]), set()).add(action["path"])
    return by_day


def test_a_full_refresh_that_dies_after_emptying_the_history_leaves_the_next_run_to_rebuild_it(lake):
    root, run, _ = lake
    assert run(dg.AssetSelection.assets(CUSTOMERS, HISTORY)).success  # caught up with Bronze (batch 5)
    before = _content(root, "customer_history")
    quarantined = table(root, "quarantine", "silver", "customer_history").num_rows
    assert before and quarantined
    # The history's change log cannot be written: the rebuild dies after it emptied the history.
    with _not_a_delta_table(root / "_system" / "change_log" / "silver" / "customer_history"):
        broken = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY), config=FULL_REFRESH_OF_CUSTOMERS)
    assert not broken.success and table(root, "silver", "customer_history").num_rows == 0

    healed = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY))  # an incremental run
    read = {e["table"]: e["rows_in"] for e in events(root) if e["run_id"] == healed.run_id}
    assert healed.success and read["silver.customers"] == 0 and read["silver.customer_history"] > 0
    assert _content(root, "customer_history") == before
    assert table(root, "quarantine", "silver", "customer_history").num_rows == quarantined


def test_a_run_that_reads_its_sources_whole_after_a_dead_full_refresh_replaces_their_quarantine(lake):
    root, run, _ = lake
    with _not_a_delta_table(root / "_system" / "change_log" / "silver" / "customer_history"):
        broken = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY), config=FULL_REFRESH_OF_CUSTOMERS)
    assert not broken.success
    # Bronze moves on before the next run, which reads the history's sources whole, the new batch with them.
    generate_landing(root, scale=SCALE, batch=6)
    assert run(FILE_AND_API_FEEDS).success
    assert run(dg.AssetSelection.assets(CUSTOMERS, HISTORY)).success
    healed = _content(root, "customer_history"), _quarantined(root, "customer_history")

    full = run(dg.AssetSelection.assets(CUSTOMERS, HISTORY), config=FULL_REFRESH_OF_CUSTOMERS)
    assert full.success
    assert healed == (_content(root, "customer_history"), _quarantined(root, "customer_history"))
