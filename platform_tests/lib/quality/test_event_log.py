"""The table event log on Delta: appended events come back, newest first, with per-rule counts."""

from datetime import UTC, datetime, timedelta

import deltalake

from lakehouse.lib import delta_tables
from lakehouse.lib.quality.event_log import TableEvent, append_event, event_log_uri, table_history
from lakehouse.lib.quality.expectations import Expectation, evaluate

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def test_two_materializations_are_queryable_with_rule_counts(spark, storage):
    uri = event_log_uri(storage)
    rules = [Expectation("positive_amount", "amount > 0", "drop")]
    for run, amounts in enumerate([[1.0, 2.0, 3.0], [1.0, -2.0, None, 4.0]]):
        df = spark.createDataFrame([(f"o-{i}", a) for i, a in enumerate(amounts)], "order_id string, amount double")
        started_at = START + timedelta(days=run)
        with evaluate(df, rules, keys=["order_id"], table="silver.orders") as evaluation:
            event = TableEvent.from_evaluation(
                evaluation,
                table="silver.orders",
                run_id=f"run-{run}",
                delta_version=run,
                started_at=started_at,
                finished_at=started_at + timedelta(seconds=90),
            )
        append_event(uri, event)
    append_event(uri, TableEvent("run-x", "silver.customers", 0, START, START, rows_in=1, rows_out=1))

    history = table_history(spark, uri, "silver.orders").collect()
    assert [(r.run_id, r.delta_version, r.rows_in, r.rows_out, r.rows_dropped) for r in history] == [
        ("run-1", 1, 4, 2, 2),
        ("run-0", 0, 3, 3, 0),
    ]
    assert history[0].rules["positive_amount"].asDict() == {"passed": 2, "failed": 2}
    assert history[1].rules["positive_amount"].asDict() == {"passed": 3, "failed": 0}
    assert history[0].duration_s == 90.0
    assert history[0].finished_at == datetime(2026, 3, 2, 6, 1, 30)  # session time zone is UTC


def test_the_log_stays_a_few_files_however_many_events_it_holds(spark, storage, monkeypatch):
    """One file per appended row would make every query open one file per materialization ever made."""
    monkeypatch.setattr(delta_tables, "COMPACT_EVERY", 10)
    uri = event_log_uri(storage)
    for run in range(35):
        append_event(uri, TableEvent(f"run-{run}", "silver.orders", run, START, START, rows_in=run, rows_out=run))

    assert len(deltalake.DeltaTable(uri).file_uris()) < 10  # compacted three times; 35 files without
    history = table_history(spark, uri, "silver.orders").collect()
    assert sorted((r.run_id, r.rows_in) for r in history) == sorted((f"run-{run}", run) for run in range(35))
