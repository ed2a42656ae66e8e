"""The `run_retention` job: deletes finished runs older than the retention, with their event logs, daily.

Dagster OSS keeps every run for ever; its instance settings retain only sensor and schedule ticks
(deploy/dagster.yaml). Runs still queued or in progress are never touched.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg
from pydantic import Field

from lakehouse.lib.lanes import MAINTENANCE, lane

FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
PAGE = 500


class RunRetentionConfig(dg.Config):
    keep_days: float = Field(default=90, ge=0, description="Runs that ended less than this long ago are kept.")


@dg.op(description="Deletes the runs that ended longer ago than the retention, and their event logs.")
def delete_finished_runs(context: dg.OpExecutionContext, config: RunRetentionConfig):
    ended_before = datetime.now(UTC) - timedelta(days=config.keep_days)
    old = dg.RunsFilter(statuses=FINISHED, updated_before=ended_before)
    deleted = 0
    while records := context.instance.get_run_records(filters=old, limit=PAGE):
        for record in records:
            context.instance.delete_run(record.dagster_run.run_id)
        deleted += len(records)
    context.log.info(f"{deleted} run(s) that ended before {ended_before:%Y-%m-%d %H:%M} UTC deleted")
    return dg.Output(None, metadata={"runs_deleted": deleted, "ended_before": ended_before.isoformat()})


@dg.job(description="Deletes old finished runs and their event logs from the instance.", tags=lane(MAINTENANCE))
def run_retention():
    delete_finished_runs()


daily_run_retention = dg.ScheduleDefinition(
    job=run_retention,
    cron_schedule="0 4 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
