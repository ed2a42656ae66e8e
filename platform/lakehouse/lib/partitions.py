"""Event tables partitioned by day, and what a run over a range of days rewrites.

An event table has two kinds of runs:
- unpartitioned runs (sensors, `lakehouse materialize`): apply what Bronze added since the last
  run, whatever the days of its events, so late events land too;
- runs over a range of days (a backfill from the UI, `dagster asset materialize --partition-range`):
  rebuild those days from Bronze, as far as the incremental runs have read it, and atomically
  replace them, leaving other days as they are. With `BackfillPolicy.single_run()` a backfill of any
  length is one run, one Spark JVM.

The partitions end a day ahead (`end_offset=1`): today's events are there to be backfilled too.

An unpartitioned run records the days it applied rows to (`DAYS_APPLIED`), so its checks validate
those days and not the whole table.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import dagster as dg

# The first day the platform keeps events for; the sample sources' calendar starts on 2026-01-05.
FIRST_EVENT_DAY = "2026-01-01"
DAY_PARTITIONED_TAG = ("lakehouse/partitioned", "day")
# Materialization metadata of an unpartitioned run: the days (ISO dates, None for rows without one)
# it applied rows to; all of them for a full refresh, none when nothing was new.
DAYS_APPLIED = "partitions/days_applied"


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


def days_applied(days: Iterable[date | None]) -> list[str | None]:
    """The `DAYS_APPLIED` value: ISO dates in order, None (rows without a day) last."""
    days = set(days)
    return [d.isoformat() for d in sorted(d for d in days if d)] + ([None] if None in days else [])


def listed_days_predicate(column: str, days: Sequence[str | None]) -> str:
    """SQL for rows of the listed days (a `DAYS_APPLIED` value)."""
    listed = ", ".join(f"DATE'{d}'" for d in days if d)
    parts = [f"`{column}` IN ({listed})"] if listed else []
    if None in days:
        parts.append(f"`{column}` IS NULL")
    return " OR ".join(parts) or "FALSE"


def describe_listed_days(days: Sequence[str | None]) -> str:
    """'2026-01-05..2026-01-07, 2026-01-09' for a `DAYS_APPLIED` value; 'none' for no day."""
    runs: list[list[date]] = []
    for day in (date.fromisoformat(d) for d in days if d):
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    described = [describe_days((run[0], run[-1] + timedelta(days=1))) for run in runs]
    return ", ".join(described + (["no day"] if None in days else [])) or "none"
