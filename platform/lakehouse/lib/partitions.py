"""Event tables partitioned by day, and what a run over a range of days rewrites.

An event table has two kinds of runs:
- unpartitioned runs (sensors, `lakehouse materialize`): apply what Bronze added since the last
  run, whatever the days of its events, so late events land too;
- runs over a range of days (a backfill from the UI, `dagster asset materialize --partition-range`):
  rebuild those days from Bronze, as far as the incremental runs have read it, and atomically
  replace them, leaving other days as they are. With `BackfillPolicy.single_run()` a backfill of any length is one run, one Spark JVM.

The partitions end a day ahead (`end_offset=1`): today's events are there to be backfilled too.
"""

from datetime import date, timedelta

import dagster as dg

# The first day the platform keeps events for; the sample sources' calendar starts on 2026-01-05.
FIRST_EVENT_DAY = "2026-01-01"
DAY_PARTITIONED_TAG = ("lakehouse/partitioned", "day")


def daily_event_partitions() -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=FIRST_EVENT_DAY, end_offset=1)


def run_days(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> tuple[date, date] | None:
    """The run's days as [first, end), or None for an unpartitioned run."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), window.end.date()


def days_predicate(column: str, days: tuple[date, date]) -> str:
    """SQL for rows of `days`: the filter of a range's rows and the `replaceWhere` of its rewrite."""
    first, end = days
    return f"`{column}` >= DATE'{first.isoformat()}' AND `{column}` < DATE'{end.isoformat()}'"


def describe_days(days: tuple[date, date]) -> str:
    first, last = days[0], days[1] - timedelta(days=1)
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
