"""Change capture transformations on real Spark: Debezium envelopes, snapshot diffs, the last change
per key and SCD2 versions rebuilt from changes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from pyspark.sql import functions as F

from lakehouse.transforms.cdc import (
    flag_sequence_conflicts,
    flatten_debezium,
    history_of,
    latest_per_key,
    row_changes,
    snapshot_changes,
    split_invalid,
)

CUSTOMER = "customer_id bigint, name string, city string"
ENVELOPE = f"op string, ts_ms bigint, lsn bigint, before struct<{CUSTOMER}>, after struct<{CUSTOMER}>"
CHANGE = f"{CUSTOMER}, _op string, _sequence bigint, _event_ts timestamp"
T0 = datetime(2024, 1, 1)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def epoch_ms(minute: int) -> int:
    # Naive datetimes are local time to PySpark, both ways.
    return round(at(minute).timestamp() * 1000)


def ordered(tuples):
    return sorted(tuples, key=repr)


def rows(df, *columns):
    return ordered(tuple(r[c] for c in columns) for r in df.collect())


def test_debezium_envelopes_become_flat_changes_and_unusable_ones_are_flagged(spark):
    ann, ann_moved = (1, "Ann", "Oslo"), (1, "Ann", "Rome")
    envelopes = spark.createDataFrame(
        [
            ("c", epoch_ms(1), 10, None, ann),
            ("u", epoch_ms(2), 11, ann, ann_moved),
            ("d", epoch_ms(3), 12, ann_moved, None),
            ("r", epoch_ms(4), 13, None, (2, "Bob", "Lima")),
            ("t", epoch_ms(5), 14, None, None),
            ("d", epoch_ms(6), 15, None, None),
            ("u", epoch_ms(7), 16, None, (None, "Dan", "Pune")),
            ("x", epoch_ms(8), 17, None, (3, "Cy", "Kyiv")),
            ("u", epoch_ms(9), None, None, (3, "Cy", "Kyiv")),
        ],
        ENVELOPE,
    )

    valid, invalid = split_invalid(flatten_debezium(envelopes, ["customer_id"]))

    assert valid.columns == ["customer_id", "name", "city", "_op", "_sequence", "_event_ts"]
    assert rows(valid, "_sequence", "_op", "customer_id", "name", "city", "_event_ts") == ordered(
        [
            (10, "c", 1, "Ann", "Oslo", at(1)),
            (11, "u", 1, "Ann", "Rome", at(2)),
            (12, "d", 1, "Ann", "Rome", at(3)),  # a delete keeps the image from before it, so its key is known
            (13, "r", 2, "Bob", "Lima", at(4)),
            (14, "t", None, None, None, at(5)),  # a truncate has no key and is still valid
        ]
    )
    assert rows(invalid, "_sequence", "_invalid_reason") == ordered(
        [(15, "no key"), (16, "no key"), (17, "unknown op: x"), (None, "no sequence")]
    )


def test_snapshot_diff_finds_inserts_updates_and_deletes_but_not_unchanged_rows(spark):
    previous = spark.createDataFrame(
        [(1, "Ann", "Oslo"), (2, "Bob", "Lima"), (3, "Cy", None), (4, "Dan", "Pune"), (None, "Eve", "Bonn")], CUSTOMER
    )
    current = spark.createDataFrame(
        [(1, "Ann", "Oslo"), (2, "Bob", "Rome"), (3, None, "Cy"), (5, "Fay", "Riga"), (None, "Gus", "Graz")], CUSTOMER
    )

    changes, invalid = split_invalid(snapshot_changes(previous, current, ["customer_id"], 7, at(7)))

    assert rows(changes, "customer_id", "_op", "name", "city", "_sequence", "_event_ts") == ordered(
        [
            (2, "u", "Bob", "Rome", 7, at(7)),
            (3, "u", None, "Cy", 7, at(7)),  # the same value moved to another column is a change
            (4, "d", "Dan", "Pune", 7, at(7)),  # a delete carries the previous image
            (5, "c", "Fay", "Riga", 7, at(7)),
        ]
    )
    assert rows(invalid, "name", "_invalid_reason") == [("Gus", "no key")]


def test_first_snapshot_creates_every_row(spark):
    current = spark.createDataFrame([(1, "Ann", "Oslo"), (2, "Bob", "Lima")], CUSTOMER)
    taken_at = F.lit(at(1))

    changes = snapshot_changes(None, current, ["customer_id"], F.unix_micros(taken_at), taken_at)

    micros = epoch_ms(1) * 1000
    assert rows(changes, "customer_id", "_op", "_sequence", "_event_ts", "_invalid_reason") == [
        (1, "c", micros, at(1), None),
        (2, "c", micros, at(1), None),
    ]


def test_change_records_without_envelope_become_flat_changes(spark):
    records = spark.createDataFrame(
        [
            ("c", epoch_ms(1), 10, 1, "Ann", "Oslo"),
            ("d", epoch_ms(2), 11, 1, "Ann", "Oslo"),
            ("u", epoch_ms(3), 12, None, "Bob", "Lima"),
        ],
        f"op string, ts_ms bigint, lsn bigint, {CUSTOMER}",
    )

    changes = row_changes(
        records,
        ["customer_id"],
        ["customer_id", "name", "city"],
        op=F.col("op"),
        sequence=F.col("lsn"),
        event_ts=F.timestamp_millis("ts_ms"),
    )

    assert rows(changes, "_sequence", "_op", "customer_id", "city", "_event_ts", "_invalid_reason") == [
        (10, "c", 1, "Oslo", at(1), None),
        (11, "d", 1, "Oslo", at(2), None),
        (12, "u", None, "Lima", at(3), "no key"),
    ]


def test_latest_change_per_key_ignores_arrival_order_and_duplicates(spark):
    changes = [
        (1, "Ann", "Oslo", "c", 1, at(1)),
        (1, "Ann", "Rome", "u", 3, at(3)),
        (1, "Ann", "Rome", "u", 3, at(3)),
        (1, "Ann", "Kyiv", "u", 2, at(2)),
        (2, "Bob", "Lima", "c", 4, at(4)),
        (2, "Bob", "Lima", "d", 5, at(5)),
        # Same key and sequence but different rows (a faulty source): the pick must still be stable.
        (3, "Cy", "Bonn", "u", 6, at(6)),
        (3, "Cy", "Graz", "u", 6, at(6)),
    ]
    picks = set()
    for seed in range(4):
        shuffled = random.Random(seed).sample(changes, len(changes))
        latest = latest_per_key(spark.createDataFrame(shuffled, CHANGE), ["customer_id"])
        picks.add(tuple(rows(latest, "customer_id", "city", "_op", "_sequence")))

    assert len(picks) == 1
    (picked,) = picks
    assert picked[:2] == ((1, "Rome", "u", 3), (2, "Lima", "d", 5))
    assert picked[2][0] == 3


def test_history_splits_a_version_at_a_late_tracked_change(spark):
    # Ann's city is untracked: the change at 2 is absorbed into the version opened at 1, until the name
    # change at 3 (arriving last) splits it; at 4 the name changes back, which opens a third version.
    changes = spark.createDataFrame(
        [
            (1, "Ann", "Oslo", "c", 1, at(1)),
            (1, "Ann", "Rome", "u", 2, at(2)),
            (1, "Ann", "Kyiv", "u", 4, at(4)),
            (2, "Bob", "Lima", "c", 5, at(5)),
            (3, "Cy", "Bonn", "c", 6, at(6)),
            (3, "Cy", "Bonn", "d", 7, at(7)),
            (None, None, None, "t", 8, at(8)),
            (1, "Anna", "Rome", "u", 3, at(3)),
            (2, "Bob", "Lima", "u", 9, at(9)),
        ],
        CHANGE,
    )

    history = history_of(changes, ["customer_id"], ["name"])

    columns = ("customer_id", "name", "city", "valid_from", "valid_to", "is_current", "_sequence")
    assert rows(history, *columns) == ordered(
        [
            (1, "Ann", "Kyiv", at(4), at(8), False, 4),
            (1, "Ann", "Rome", at(1), at(3), False, 1),
            (1, "Anna", "Rome", at(3), at(4), False, 3),
            (2, "Bob", "Lima", at(5), at(8), False, 5),
            (2, "Bob", "Lima", at(9), None, True, 9),  # back after the truncate
            (3, "Cy", "Bonn", at(6), at(7), False, 6),
        ]
    )


def test_epoch_millis_beyond_the_years_1_to_9999_give_no_event_time_instead_of_failing(spark):
    envelopes = spark.createDataFrame(
        [("c", ts_ms, 1, None, (1, "Ann", "Oslo")) for ts_ms in (epoch_ms(0), 99_999_999_999_999_999, -(10**17))],
        ENVELOPE,
    )

    changes = flatten_debezium(envelopes, ["customer_id"])

    assert rows(changes, "_event_ts", "_invalid_reason") == ordered(
        [(at(0), None), (None, "no event time"), (None, "no event time")]
    )


def test_changes_of_a_key_that_share_a_sequence_but_not_their_content_are_flagged(spark):
    changes = spark.createDataFrame(
        [
            (1, "Ann", "Oslo", "u", 5, at(5)),
            (1, "Ann", "Bergen", "u", 5, at(5)),  # conflict
            (2, "Bob", "Rome", "u", 5, at(5)),
            (2, "Bob", "Rome", "u", 5, at(5)),  # a plain duplicate
            (2, "Bob", "Pisa", "u", 6, at(6)),
        ],
        CHANGE,
    )

    flagged = flag_sequence_conflicts(changes, ["customer_id"])

    assert rows(flagged, "customer_id", "city", "_sequence_conflict") == ordered(
        [(1, "Oslo", True), (1, "Bergen", True), (2, "Rome", False), (2, "Rome", False), (2, "Pisa", False)]
    )
    assert rows(latest_per_key(changes.where("customer_id = 1"), ["customer_id"]), "city") == [("Oslo",)]
