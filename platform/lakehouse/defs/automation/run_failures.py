"""The run-failure sensor: every failed run of this code location recorded in `_system/run_failures`
(one row per run: what started it, which steps failed and why) and reported in the sensor's log.

Sensor-started runs are not retried with the same run key, so this table is where a failed Kafka or
landing-zone run shows up; the records it missed are requested again as soon as new ones arrive.
"""

from datetime import UTC, datetime

import dagster as dg
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from lakehouse.defs.automation.triggers import TRIGGER_TAG
from lakehouse.lib.storage import LakehouseStorage

FAILURE_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("job_name", pa.string()),
        ("trigger", pa.string()),
        ("failed_at", pa.timestamp("us", tz="UTC")),
        ("failed_steps", pa.list_(pa.string())),
        ("error", pa.string()),
    ]
)
MAX_ERROR_CHARS = 2_000


def root_cause(error) -> str:
    """The innermost error's message: Dagster wraps what the step raised in errors of its own."""
    while error.cause:
        error = error.cause
    return error.message.strip()


def failure_record(context: dg.RunFailureSensorContext) -> dict:
    run = context.dagster_run
    steps = context.get_step_failure_events()
    errors = [f"{e.step_key}: {root_cause(e.event_specific_data.error)}" for e in steps if e.event_specific_data.error]
    return {
        "run_id": run.run_id,
        "job_name": run.job_name,
        "trigger": run.tags.get(TRIGGER_TAG) or run.tags.get("dagster/sensor_name") or "manual",
        "failed_at": datetime.fromtimestamp(context.instance.get_run_record_by_id(run.run_id).end_time, tz=UTC),
        "failed_steps": [e.step_key for e in steps],
        "error": "\n".join(errors or [context.failure_event.message or ""])[:MAX_ERROR_CHARS],
    }


def record_failure(uri: str, record: dict) -> None:
    """Once per run, even when the sensor evaluates the same failure again after a crash."""
    row = pa.Table.from_pylist([record], schema=FAILURE_SCHEMA)
    try:
        table = DeltaTable(uri)
    except TableNotFoundError:
        write_deltalake(uri, row, mode="append")
        return
    table.merge(row, "t.run_id = s.run_id", source_alias="s", target_alias="t").when_not_matched_insert_all().execute()


@dg.run_failure_sensor(
    name="record_run_failures",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed run in _system/run_failures and reports it in this sensor's log.",
)
def record_run_failures(context: dg.RunFailureSensorContext, storage: LakehouseStorage):
    record = failure_record(context)
    record_failure(storage.system_uri("run_failures"), record)
    context.log.error(
        f"Run {record['run_id']} of {record['job_name']} (trigger: {record['trigger']}) failed in "
        f"{', '.join(record['failed_steps']) or 'no step'}: {record['error'][:300]}"
    )
