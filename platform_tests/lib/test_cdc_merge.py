"""SCD1 and SCD2 MERGEs on real Spark + Delta: every arrival order and batch split of one change
sequence gives the same table, a re-applied batch changes nothing, and a re-run repairs a MERGE that
was killed midway."""

from __future__ import annotations

import contextlib
import os
import random
import runpy
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from lakehouse.lib.cdc_merge import ChangeSpec, apply_scd1, apply_scd2

SPEC = ChangeSpec(keys=("id",))
CHANGE = "id bigint, name string, email string, _op string, _sequence bigint, _event_ts timestamp"
SCD1_COLUMNS = ("id", "name", "email", "is_deleted", "_sequence", "_event_ts")
SCD2_COLUMNS = ("id", "name", "email", "valid_from", "valid_to", "is_current", "_sequence")
TRACKED = ["name"]
CRASH_RUN = Path(__file__).with_name("cdc_crash_run.py")


def at(sequence: int) -> datetime:
    return datetime(2024, 1, 1) + timedelta(minutes=sequence)


def event(sequence, op, key=None, name=None, email=None):
    return key, name, email, op, sequence, at(sequence)


EVENTS = [
    event(1, "c", 1, "Ann", "a1"),
    event(2, "c", 2, "Bob", "b1"),
    event(3, "u", 1, "Ann", "a2"),  # only the untracked e-mail changes
    event(4, "u", 2, "Bobby", "b1"),
    event(5, "d", 2, "Bobby", "b1"),
    event(6, "c", 2, "Bob", "b2"),  # re-insert after a delete
    event(7, "c", 3, "Cy", "c1"),
    event(8, "t"),  # truncate: 1, 2 and 3 are gone
    event(9, "c", 3, "Cy", "c2"),
    event(10, "u", 3, "Cyrus", "c2"),
    event(11, "d", 4, "Dan", "d1"),  # delete of a key never seen
    event(12, "c", 1, "Ann", "a3"),
    event(13, "u", 1, "Anna", "a3"),
    event(14, "u", 1, "Ann", "a4"),  # back to the earlier name: a new version again
]
DELIVERED = EVENTS + [EVENTS[3], EVENTS[9]]  # two events are delivered twice

EXPECTED_HISTORY = sorted(
    [
        (1, "Ann", "a2", at(1), at(8), False, 1),
        (1, "Ann", "a3", at(12), at(13), False, 12),
        (1, "Anna", "a3", at(13), at(14), False, 13),
        (1, "Ann", "a4", at(14), None, True, 14),
        (2, "Bob", "b1", at(2), at(4), False, 2),
        (2, "Bobby", "b1", at(4), at(5), False, 4),
        (2, "Bob", "b2", at(6), at(8), False, 6),
        (3, "Cy", "c1", at(7), at(8), False, 7),
        (3, "Cy", "c2", at(9), at(10), False, 9),
        (3, "Cyrus", "c2", at(10), None, True, 10),
    ],
    key=repr,
)


def arrivals(count: int, seed: int) -> list[list[list[tuple]]]:
    """`count` shuffles of the delivered events, each split into 1 to 3 batches."""
    rng = random.Random(seed)
    splits = []
    for _ in range(count):
        order = rng.sample(DELIVERED, len(DELIVERED))
        cuts = sorted(rng.sample(range(1, len(order)), rng.randint(0, 2)))
        splits.append([order[start:stop] for start, stop in zip([0, *cuts], [*cuts, len(order)])])
    return splits


def in_order_state(events) -> list[tuple]:
    """SCD1 rows from replaying the distinct events one by one in sequence order."""
    state = {}
    for key, name, email, op, sequence, event_ts in sorted(set(events), key=lambda e: e[4]):
        if op == "t":
            state = {k: (*row[:3], True, *row[4:]) for k, row in state.items()}
        else:
            state[key] = (key, name, email, op == "d", sequence, event_ts)
    return sorted(state.values(), key=repr)


def table_rows(spark, uri, columns) -> list[tuple]:
    return sorted((tuple(r) for r in spark.read.format("delta").load(uri).select(*columns).collect()), key=repr)


def scd1(spark, storage, name):
    uri = storage.table_uri_for("silver", name)
    return uri, lambda batch: apply_scd1(spark, uri, spark.createDataFrame(batch, CHANGE), SPEC)


def scd2(spark, storage, name):
    uri = storage.table_uri_for("silver", name)
    log_uri = storage.system_uri("cdc_log", name)
    return uri, lambda batch: apply_scd2(
        spark, uri, spark.createDataFrame(batch, CHANGE), SPEC, TRACKED, log_uri=log_uri
    )


COLUMNS = {scd1: SCD1_COLUMNS, scd2: SCD2_COLUMNS}


def replay(spark, storage, kind, runs) -> list[list[tuple]]:
    """The final rows of each run: its batches applied one after the other to tables of its own."""

    def final_rows(numbered):
        number, batches = numbered
        uri, apply = kind(spark, storage, f"customers_{number}")
        for batch in batches:
            apply(batch)
        return table_rows(spark, uri, COLUMNS[kind])

    # The runs share nothing: two at a time keep both cores busy while one waits on Delta's log.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(final_rows, enumerate(runs)))


def test_scd1_ends_in_the_in_order_state_whatever_the_arrival_order(spark, storage):
    expected = in_order_state(EVENTS)
    assert [(row[0], row[3]) for row in expected] == [(1, False), (2, True), (3, False), (4, True)]  # key, is_deleted

    runs = arrivals(24, seed=1)
    for batches, state in zip(runs, replay(spark, storage, scd1, runs)):
        assert state == expected, f"batches: {batches}"


def test_scd2_history_is_the_same_whatever_the_arrival_order(spark, storage):
    newest_first = DELIVERED[::-1]
    # The name change at 13 lands inside the version that already absorbed 14's e-mail, then the truncate.
    late = [[e for e in DELIVERED if e[4] not in (8, 13)], [EVENTS[12]], [EVENTS[7]]]
    runs = [[DELIVERED], [newest_first[:6], newest_first[6:11], newest_first[11:]], late, *arrivals(2, seed=2)]
    for batches, history in zip(runs, replay(spark, storage, scd2, runs)):
        assert history == EXPECTED_HISTORY, f"batches: {batches}"

    # The e-mail change at 3 is folded into the version opened at 1, not a version of its own.
    assert not [version for version in history if version[3] == at(3)]
    assert_well_formed(history)


def assert_well_formed(history):
    """Per key: versions do not overlap, each closes where the next opens unless the key was deleted in
    between, and exactly the keys that are alive now have one current version."""
    deletions = {(key, event_ts) for key, _, _, op, _, event_ts in EVENTS if op == "d"}
    truncations = {event_ts for _, _, _, op, _, event_ts in EVENTS if op == "t"}
    alive = {key for key, _, _, is_deleted, _, _ in in_order_state(EVENTS) if not is_deleted}
    for key in {v[0] for v in history}:
        versions = sorted((v for v in history if v[0] == key), key=lambda v: v[3])
        for version, following in zip(versions, versions[1:]):
            valid_to, next_from = version[4], following[3]
            assert valid_to is not None and valid_to <= next_from
            assert valid_to == next_from or (key, valid_to) in deletions or valid_to in truncations
        current = [v for v in versions if v[5]]
        assert current == ([versions[-1]] if key in alive else [])
        assert all((v[4] is None) == v[5] for v in versions)


@pytest.mark.parametrize("kind", [scd1, scd2])
def test_reapplying_a_batch_changes_nothing(spark, storage, kind):
    uri, apply = kind(spark, storage, "customers")
    first, second = DELIVERED[:9], DELIVERED[9:]
    apply(first)
    apply(second)
    state = table_rows(spark, uri, COLUMNS[kind])

    for batch in (second, first):
        again = apply(batch)
        assert (again.rows_inserted, again.rows_updated, again.rows_deleted) == (0, 0, 0)
    assert table_rows(spark, uri, COLUMNS[kind]) == state


def test_a_rerun_repairs_a_merge_killed_midway(spark, storage, lake_root, tmp_path):
    crash_run = runpy.run_path(str(CRASH_RUN))
    uri = storage.table_uri_for("silver", "large")
    table_dir = lake_root / "silver" / "large"
    log = tmp_path / "crash_run.log"
    with log.open("wb") as output:
        run = subprocess.Popen(
            [sys.executable, str(CRASH_RUN), uri, str(tmp_path / "scratch")],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # The MERGE writes its data files into the table folder before it commits: kill it then.
        deadline = time.monotonic() + 120
        while not list(table_dir.glob("*.parquet")):
            assert run.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the MERGE did not start"
            time.sleep(0.02)
    finally:
        # Python and its Spark JVM together, like a lost machine.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    # Only the table's creation is committed; the MERGE left uncommitted files behind.
    assert sorted(p.name for p in (table_dir / "_delta_log").glob("*.json")) == ["00000000000000000000.json"]

    apply_scd1(spark, uri, crash_run["large_batch"](spark), crash_run["SPEC"])

    keys = crash_run["KEYS"]
    table = spark.read.format("delta").load(uri)
    expected = (
        (F.col("name") == F.concat(F.lit("name-"), (F.col("id") + keys).cast("string")))
        & (F.col("_sequence") == F.col("id") + keys)
        & ~F.col("is_deleted")
    )
    counts = table.agg(F.count("*"), F.count_distinct("id"), F.count(F.when(expected, 1))).first()
    assert tuple(counts) == (keys, keys, keys)


def test_a_partitioned_table_rewrites_only_the_partitions_a_batch_touches(spark, storage):
    uri = storage.table_uri_for("silver", "clicks")
    spec = ChangeSpec(keys=("id",), partition_by=("day",))
    schema = "id bigint, day string, page string, _op string, _sequence bigint, _event_ts timestamp"

    def apply(batch):
        return apply_scd1(spark, uri, spark.createDataFrame(batch, schema), spec)

    apply([(1, "d1", "/a", "c", 1, at(1)), (2, "d1", "/b", "c", 2, at(2)), (3, "d2", "/c", "c", 3, at(3))])
    d1_files = set(spark.read.format("delta").load(uri).where("day = 'd1'").inputFiles())
    late = [(3, "d2", "/c2", "u", 4, at(4)), (4, "d2", "/d", "c", 5, at(5)), (3, "d2", "/old", "u", 2, at(2))]
    stats = apply(late)
    assert apply(late).rows_updated == 0  # re-applied: nothing changes

    assert (stats.rows_inserted, stats.rows_updated) == (1, 1)
    assert table_rows(spark, uri, ("id", "day", "page", "is_deleted")) == [
        (1, "d1", "/a", False),
        (2, "d1", "/b", False),
        (3, "d2", "/c2", False),
        (4, "d2", "/d", False),
    ]
    assert set(spark.read.format("delta").load(uri).where("day = 'd1'").inputFiles()) == d1_files
    history = spark.sql(f"DESCRIBE HISTORY delta.`{uri}`").where("operation = 'MERGE'").orderBy("version")
    merge_predicate = history.select("operationParameters").collect()[1][0]["predicate"]
    assert "d2" in merge_predicate and "d1" not in merge_predicate  # the MERGE was told to read d2 only


@pytest.mark.parametrize("kind", [scd1, scd2], ids=["scd1", "scd2"])
def test_a_reused_sequence_ends_in_the_same_row_whichever_batch_brought_it_first(spark, storage, kind):
    first, second = event(3, "u", 1, "Ann", "a2"), event(3, "u", 1, "Anne", "a9")  # the source reused sequence 3
    base = [event(1, "c", 1, "Ann", "a1")]
    runs = [[base + [first], [second]], [base + [second], [first]], [base + [first, second]]]

    states = replay(spark, storage, kind, runs)

    assert states[0] == states[1] == states[2]
    assert ("Anne", "a9") in {row[1:3] for row in states[0]}  # the greater image, not the one that came first
