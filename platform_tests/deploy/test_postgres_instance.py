"""The deployment's Dagster instance (deploy/dagster.yaml) on a real PostgreSQL server: runs, their events
and materializations, failures and sensor ticks are stored in the database, and a run whose worker
is killed is failed and retried by the daemon."""

import os
import re
import signal

import dagster as dg
import psycopg2
import pytest
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from deployment import launch, running_daemon, wait_for

from lakehouse.defs.bronze.fx_rates import fx_rates
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.sources.fx_api import serve_fx_api

pytestmark = pytest.mark.integration
RUN_WORKER_PID = re.compile(r"Executing steps in process \(pid: (\d+)\)")


def query(postgres: dict[str, str], sql: str, *args) -> list[tuple]:
    """Straight from the database, not through Dagster's storage classes."""
    connection = psycopg2.connect(host=postgres["DAGSTER_PG_HOST"], port=postgres["DAGSTER_PG_PORT"],
                                  user=postgres["DAGSTER_PG_USER"], password=postgres["DAGSTER_PG_PASSWORD"],
                                  dbname=postgres["DAGSTER_PG_DB"])  # fmt: skip
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall()
    finally:
        connection.close()


def test_runs_events_and_failures_are_stored_in_postgres(deployment_home, postgres, spark_resource, storage):
    with dg.DagsterInstance.from_config(str(deployment_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        results = {}
        for outcome, pages in (("succeeded", None), ("failed", 0)):
            with serve_fx_api(days=3, fail_after_pages=pages) as api:
                results[outcome] = dg.materialize(
                    [fx_rates],
                    instance=instance,
                    raise_on_error=False,
                    resources={**in_process_spark(spark_resource), "storage": storage,
                               "fx_api": FxRatesApi(base_url=api.base_url, max_retries=1, backoff_factor=0.0)},
                )  # fmt: skip
        materialized = instance.get_latest_materialization_event(fx_rates.key)

    assert results["succeeded"].success and not results["failed"].success
    statuses = dict(query(postgres, "select run_id, status from runs"))
    assert statuses == {results["succeeded"].run_id: "SUCCESS", results["failed"].run_id: "FAILURE"}
    [(rows,)] = query(postgres, "select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION' "
                                "and asset_key = %s", fx_rates.key.to_string())  # fmt: skip
    assert rows == 1 and materialized.run_id == results["succeeded"].run_id


@pytest.mark.timeout(600)
def test_the_daemon_ticks_sensors_and_fails_and_retries_a_run_whose_worker_was_killed(
    deployment_home, postgres, tmp_path
):
    lakehouse_home = tmp_path / "lakehouse"
    with (
        running_daemon(deployment_home, lakehouse_home) as daemon,
        dg.DagsterInstance.from_config(str(deployment_home)) as instance,
    ):
        launch(deployment_home, lakehouse_home, "lake_maintenance")
        [run] = instance.get_runs()
        worker = wait_for(lambda: _run_worker_pid(instance, run.run_id), 180, "the run worker to start", daemon)
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE, 60,
                 "the run to be marked failed", daemon)  # fmt: skip
        retry = wait_for(lambda: _retry_of(instance, run.run_id), 120, "the run to be retried", daemon)
        wait_for(lambda: instance.get_run_by_id(retry.run_id).is_finished, 240, "the retry to finish", daemon)
        assert instance.get_run_by_id(retry.run_id).status == dg.DagsterRunStatus.SUCCESS
    # The daemon ticked the sensors that run by default, and wrote their ticks to the database.
    [(ticks,)] = query(postgres, "select count(*) from job_ticks")
    assert ticks > 0


def _run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The run worker's pid, once it has started a step (it logs its pid when it starts executing)."""
    logs = instance.all_logs(run_id)
    if not any(entry.dagster_event and entry.dagster_event.event_type == dg.DagsterEventType.STEP_START
               for entry in logs):  # fmt: skip
        return None
    return next((int(m[1]) for entry in logs if (m := RUN_WORKER_PID.search(entry.user_message or ""))), None)


def _retry_of(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRun | None:
    retries = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/parent_run_id": run_id}))
    return retries[0] if retries else None
