"""Spark steps on real compute: in the Dagster process, and as applications on a real standalone cluster
reporting through Dagster Pipes. Either way a step reports the same materializations, metadata and check
results; on the cluster a failing blocking check stops downstream and a failure arrives with its message."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest
from steps_for_tests import DOUBLED, FAIL_IN_SPARK, NUMBERS, WRITE_NUMBERS

from lakehouse.lib.compute.in_process import InProcessCompute
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.spark_submit import SparkSubmitCompute
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage

pytestmark = pytest.mark.integration


class NumbersConfig(dg.Config):
    rows: int = 10
    fail_check: bool = False


@dg.asset(key=NUMBERS, check_specs=[dg.AssetCheckSpec("positive", asset=NUMBERS, blocking=True)])
def numbers(context: dg.AssetExecutionContext, config: NumbersConfig, compute: SparkCompute, storage: LakehouseStorage):
    yield from compute.run(context, WRITE_NUMBERS, config.model_dump(), storage=storage)


@dg.asset(key=DOUBLED, deps=[NUMBERS])
def doubled() -> None:
    pass


@dg.asset(key=dg.AssetKey(["test", "broken"]))
def broken(context: dg.AssetExecutionContext, compute: SparkCompute, storage: LakehouseStorage):
    yield from compute.run(context, FAIL_IN_SPARK, storage=storage)


@pytest.fixture
def on_cluster(spark_cluster, tmp_path, monkeypatch) -> SparkCompute:
    # The remote driver imports the tests' steps module by name, beside the shipped package.
    monkeypatch.setenv("PYTHONPATH", str(__import__("steps_for_tests").__file__.rsplit("/", 1)[0]))
    conf = {**local_spark_config(tmp_path / "spark"), "spark.executor.memory": "1g", "spark.driver.memory": "1g"}
    conf.pop("spark.master")
    return SparkSubmitCompute(master=spark_cluster.master_url(), spark_conf=conf, package_dir=str(tmp_path / "pkg"))


def materialize(assets, compute: SparkCompute, storage, **config) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources={"compute": compute, "storage": storage}, raise_on_error=False,
                          run_config={"ops": {"test__numbers": {"config": config}}} if config else None)  # fmt: skip


def test_a_step_reports_the_same_through_pipes_as_in_process(spark_resource, spark_cluster, on_cluster, storage):
    local = materialize([numbers], InProcessCompute(spark=spark_resource), storage, rows=12)
    remote = materialize([numbers], on_cluster, storage, rows=12)

    assert local.success and remote.success
    [here], [there] = (
        [e for e in r.get_asset_materialization_events() if e.partition is None] for r in (local, remote)
    )
    here, there = here.materialization.metadata, there.materialization.metadata
    for result in (local, remote):  # the days the step applied, as materializations of those days
        assert [e.partition for e in result.get_asset_materialization_events() if e.partition] == ["2026-01-02"]
    assert there["rows"].value == 12 and there["summary"] == here["summary"] == dg.MetadataValue.md("**12** rows")
    assert [c.name for c in there["dagster/column_schema"].schema.columns] == ["id", "square"]
    assert there["run_id_seen"].value == remote.run_id and there["compute/launch_seconds"].value > 0
    [check] = remote.get_asset_check_evaluations()
    assert check.passed and check.metadata["negative_rows"].value == 0
    # The application ran on the cluster, not in this process.
    assert "test/write_numbers" in [app["name"] for app in spark_cluster.status()["completedapps"]]


def test_a_failing_blocking_check_on_the_cluster_stops_downstream(on_cluster, storage):
    result = materialize([numbers, doubled], on_cluster, storage, fail_check=True)

    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.metadata["description"].value == "no negative ids"
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {NUMBERS}  # not DOUBLED
    assert not result.success


def test_a_step_that_raises_on_the_cluster_fails_with_the_remote_message_and_spark_stack(on_cluster, storage):
    result = materialize([broken], on_cluster, storage)

    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    error = failure.step_failure_data.user_failure_data
    assert "the step broke on purpose" in error.description
    assert "org.apache.spark" in error.metadata["remote_traceback"].value


def test_terminating_a_run_ends_its_application_and_frees_the_cluster(spark_cluster, on_cluster, storage, tmp_path):
    script = Path(__file__).with_name("long_run.py")
    run = subprocess.Popen([sys.executable, str(script), spark_cluster.master_url(), str(tmp_path)],
                           env=os.environ, cwd=script.parent)  # fmt: skip
    try:
        _wait_for(lambda: "test/run_long" in _active_apps(spark_cluster), timeout=180)
        run.send_signal(signal.SIGINT)  # what terminating the run does to its step: an interrupt
        run.wait(timeout=120)
    finally:
        run.kill()
    _wait_for(lambda: not _active_apps(spark_cluster), timeout=60)
    assert not [p for p in psutil.process_iter(["cmdline"]) if "test/run_long" in " ".join(p.info["cmdline"] or [])]
    # The cluster's cores are free again: the next run gets them and completes.
    assert materialize([numbers], on_cluster, storage).success


def _active_apps(cluster) -> list[str]:
    return [app["name"] for app in cluster.status()["activeapps"]]


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(1)
