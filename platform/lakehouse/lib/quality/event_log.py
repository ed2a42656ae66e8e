"""The table event log: one Delta row per table materialization, with its row accounting and rule counts.

"What changed this table, when, and how clean was it" is one query, `table_history`; a run that failed
to write the table has a row too, with its `error`. In SQL:

    SELECT finished_at, run_id, delta_version, rows_in, rows_out, rows_dropped, rows_quarantined,
           rules, duration_s
    FROM delta.`<root>/_system/table_events` WHERE `table` = 'silver.orders' ORDER BY finished_at DESC

Per-rule counts are a map, so one rule's trend is `rules['amount_positive'].failed`, and all rules
come out as rows with `LATERAL VIEW explode(rules) AS rule, counts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.delta_tables import append_rows
from lakehouse.lib.quality.expectations import Evaluation
from lakehouse.lib.storage import LakehouseStorage

EVENT_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("table", pa.string()),
        ("delta_version", pa.int64()),
        ("rows_in", pa.int64()),
        ("rows_out", pa.int64()),
        ("rows_dropped", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("rules", pa.map_(pa.string(), pa.struct([("passed", pa.int64()), ("failed", pa.int64())]))),
        ("duration_s", pa.float64()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("error", pa.string()),
    ]
)


class RuleCounts(NamedTuple):
    passed: int
    failed: int


@dataclass(frozen=True)
class TableEvent:
    run_id: str
    table: str
    delta_version: int | None
    started_at: datetime
    finished_at: datetime
    rows_in: int | None
    rows_out: int | None
    rows_dropped: int | None = 0
    rows_quarantined: int | None = 0
    rules: Mapping[str, RuleCounts] = field(default_factory=dict)
    error: str | None = None  # why the run did not write the table

    @classmethod
    def from_evaluation(
        cls,
        evaluation: Evaluation | None,
        *,
        table: str,
        run_id: str,
        delta_version: int | None,
        started_at: datetime,
        finished_at: datetime,
        error: str | None = None,
    ) -> TableEvent:
        """The event of a write of `evaluation`'s rows; with `error`, of a write that failed (and without
        an evaluation, of a run that failed before it knew its rows)."""
        if evaluation is None:
            return cls(run_id, table, None, started_at, finished_at, None, None, None, None, error=error)
        return cls(
            run_id=run_id,
            table=table,
            delta_version=delta_version,
            started_at=started_at,
            finished_at=finished_at,
            rows_in=evaluation.rows_in,
            rows_out=evaluation.rows_out,
            rows_dropped=evaluation.rows_dropped,
            rows_quarantined=evaluation.rows_quarantined,
            rules={rule: RuleCounts(evaluation.rows_in - failed, failed) for rule, failed in evaluation.failed.items()},
            error=error,
        )

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def event_log_uri(storage: LakehouseStorage) -> str:
    return storage.system_uri("table_events")


def append_event(uri: str, event: TableEvent) -> None:
    """One row, appended with delta-rs (`append_rows`): a Spark write of one row would run a job."""
    row = {
        "run_id": event.run_id,
        "table": event.table,
        "delta_version": event.delta_version,
        "rows_in": event.rows_in,
        "rows_out": event.rows_out,
        "rows_dropped": event.rows_dropped,
        "rows_quarantined": event.rows_quarantined,
        "rules": [(rule, counts._asdict()) for rule, counts in event.rules.items()],
        "duration_s": event.duration_s,
        "started_at": event.started_at,
        "finished_at": event.finished_at,
        "error": event.error,
    }
    # Logs written before `error` existed gain the column.
    append_rows(uri, pa.Table.from_pylist([row], schema=EVENT_SCHEMA), schema_mode="merge")


def table_history(spark: SparkSession, uri: str, table: str) -> DataFrame:
    """Every materialization of `table`, newest first."""
    return (
        spark.read.format("delta")
        .load(uri)
        .where(F.col("table") == table)
        .select(
            "finished_at",
            "run_id",
            "delta_version",
            "rows_in",
            "rows_out",
            "rows_dropped",
            "rows_quarantined",
            "rules",
            "duration_s",
            "error",
        )
        .orderBy(F.desc("finished_at"))
    )
