"""Changes from the CRM's daily full extracts on real Spark: each new extract is diffed against the one
before it, whether that one is new too or already in Bronze, and an incremental read gives the same
changes as reading every extract again."""

from __future__ import annotations

from lakehouse.transforms.cdc import CREATE, DELETE, UPDATE
from lakehouse.transforms.silver import CUSTOMER_ATTRIBUTES, extract_changes

EXTRACT = ", ".join(f"{c} string" for c in CUSTOMER_ATTRIBUTES) + ", _source_file string"
DAY_1, DAY_2, DAY_3 = (f"landing/crm/customers_2024010{d}.csv" for d in (1, 2, 3))


def extract(spark, path, customers):
    """One extract file's Bronze rows: customer id -> e-mail, other attributes fixed."""
    rows = [(cid, "Ada", "Lovelace", email, None, None, None, None, "GB", None, path) for cid, email in customers]
    return spark.createDataFrame(rows, EXTRACT)


def changes(df):
    return sorted((r["customer_id"], r["email"], r["_op"], r["_sequence"]) for r in df.collect())


def test_a_new_extract_is_diffed_against_the_one_before_it_in_bronze(spark):
    day_1 = extract(spark, DAY_1, [("1", "a@x.io"), ("2", "b@x.io")])
    day_2 = extract(spark, DAY_2, [("1", "a2@x.io"), ("3", "c@x.io")])
    found = changes(extract_changes(day_2, day_1.unionByName(day_2)))
    assert [(cid, email, op) for cid, email, op, _ in found] == [
        ("1", "a2@x.io", UPDATE),
        ("2", "b@x.io", DELETE),
        ("3", "c@x.io", CREATE),
    ]
    assert len({seq for *_, seq in found}) == 1  # one extract, one point in time


def test_reading_only_the_new_extracts_gives_what_reading_them_all_gives(spark):
    day_1 = extract(spark, DAY_1, [("1", "a@x.io")])
    day_2 = extract(spark, DAY_2, [("1", "a2@x.io"), ("3", "c@x.io")])
    day_3 = extract(spark, DAY_3, [("3", "c3@x.io")])
    every = day_1.unionByName(day_2).unionByName(day_3)
    new = day_2.unionByName(day_3)
    [(*_, first_extract)] = changes(extract_changes(day_1, day_1))
    from_scratch = changes(extract_changes(every, every))
    incremental = changes(extract_changes(new, every))
    assert incremental == [c for c in from_scratch if c[3] != first_extract]
    # Two new extracts in one read: the second is diffed against the first, not against Bronze's last.
    assert {("1", "a2@x.io", DELETE), ("3", "c3@x.io", UPDATE)} <= {c[:3] for c in incremental}


def test_a_second_file_of_a_day_already_in_bronze_is_diffed_with_the_whole_day(spark):
    day_1 = extract(spark, DAY_1, [("1", "a@x.io")])
    day_2_first = extract(spark, DAY_2, [("1", "a@x.io")])
    day_2_second = extract(spark, DAY_2.replace("landing/", "landing/resent/"), [("2", "b@x.io")])
    every = day_1.unionByName(day_2_first).unionByName(day_2_second)
    # Day 2 is customers 1 and 2 together: nothing about customer 1 changed, customer 2 is new.
    assert [(cid, op) for cid, _, op, _ in changes(extract_changes(day_2_second, every))] == [("2", CREATE)]


def test_rows_without_a_new_extract_give_no_changes_of_the_same_shape(spark):
    day_1 = extract(spark, DAY_1, [("1", "a@x.io")])
    no_extract = day_1.limit(0)
    found = extract_changes(no_extract, day_1)
    assert found.count() == 0
    assert found.columns == extract_changes(day_1, day_1).columns
