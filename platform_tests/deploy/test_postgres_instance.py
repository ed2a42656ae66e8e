"""The deployment's Dagster instance (deploy/dagster.yaml) on a real PostgreSQL server: runs, their events
and materializations, failures and sensor ticks are stored in the database, and a run whose worker
is killed is failed and retried by the daemon."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from lakehouse.defs.bronze.fx_rates import fx_rates
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.targets import PROJECT_ROOT
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
    env = {**os.environ, "DAGSTER_HOME": str(deployment_home), "LAKEHOUSE_HOME": str(tmp_path / "lakehouse")}
    workspace = ["-w", str(PROJECT_ROOT / "workspace.yaml")]
    daemon = subprocess.Popen([_bin("dagster-daemon"), "run", *workspace], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "daemon.log").open("w"))  # fmt: skip
    try:
        launched = subprocess.run([_bin("dagster"), "job", "launch", *workspace, "-j", "lake_maintenance"], env=env,
                                  cwd=tmp_path, capture_output=True, text=True, check=True)  # fmt: skip
        with dg.DagsterInstance.from_config(str(deployment_home)) as instance:
            [run] = instance.get_runs()
            worker = _wait(lambda: _run_worker_pid(instance, run.run_id, daemon), 180, "the run worker to start")
            os.kill(worker, signal.SIGKILL)
            _wait(lambda: instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE, 60,
                  "the run to be marked failed")  # fmt: skip
            retry = _wait(lambda: _retry_of(instance, run.run_id), 120, "the run to be retried")
            _wait(lambda: instance.get_run_by_id(retry.run_id).is_finished, 240, "the retry to finish")
            assert instance.get_run_by_id(retry.run_id).status == dg.DagsterRunStatus.SUCCESS, launched.stdout
    finally:
        daemon.send_signal(signal.SIGINT)
        daemon.wait(60)
    # The daemon ticked the sensors that run by default, and wrote their ticks to the database.
    [(ticks,)] = query(postgres, "select count(*) from job_ticks")
    assert ticks > 0


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _run_worker_pid(instance: dg.DagsterInstance, run_id: str, daemon: subprocess.Popen) -> int | None:
    """The run worker's pid, once it has started a step (the code server logs it when it starts it)."""
    assert daemon.poll() is None, "the daemon exited; see daemon.log"
    logs = instance.all_logs(run_id)
    if not any(entry.dagster_event and entry.dagster_event.event_type == dg.DagsterEventType.STEP_START
               for entry in logs):  # fmt: skip
        return None
    return next((int(m[1]) for entry in logs if (m := RUN_WORKER_PID.search(entry.user_message or ""))), None)


def _retry_of(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRun | None:
    retries = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/parent_run_id": run_id}))
    return retries[0] if retries else None


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
