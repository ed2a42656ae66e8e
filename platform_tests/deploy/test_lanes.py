"""Lanes and pools on the deployment's instance, with the real daemon and run workers: a full Gold lane
does not hold up a stream run, and two runs that write one table never write it at the same time."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import dagster as dg
import pytest
from deltalake import DeltaTable
from deployment import environment, launch, running_daemon, wait_for

from lakehouse.lib.lanes import GOLD, LANE_TAG, STREAM
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)
def test_a_full_gold_lane_holds_up_the_next_gold_run_but_not_a_stream_run(deployment_home, tmp_path):
    lakehouse_home = tmp_path / "lakehouse"
    with (
        running_daemon(deployment_home, lakehouse_home) as daemon,
        dg.DagsterInstance.from_config(str(deployment_home)) as instance,
    ):
        # Any job will do for the queue: what counts is the lane its run is tagged with. All three are
        # queued at once; whichever Gold run the daemon takes first fills the lane.
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda lane: launch(deployment_home, lakehouse_home, "lake_maintenance",
                                              tags=f'{{"{LANE_TAG}": "{lane}"}}'), (GOLD, GOLD, STREAM)))  # fmt: skip
        runs = [run.run_id for run in instance.get_runs()]
        wait_for(lambda: all(instance.get_run_by_id(run).is_finished for run in runs), 400, "the runs", daemon)
        records = [instance.get_run_record_by_id(run) for run in runs]
    [stream] = [r for r in records if r.dagster_run.tags[LANE_TAG] == STREAM]
    first_gold, second_gold = sorted((r for r in records if r.dagster_run.tags[LANE_TAG] == GOLD),
                                     key=lambda r: r.start_time)  # fmt: skip

    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in (first_gold, second_gold, stream))
    assert second_gold.start_time >= first_gold.end_time  # one Gold run at a time
    assert stream.start_time < first_gold.end_time  # the stream's lane had room


@pytest.mark.timeout(600)
def test_two_runs_that_write_one_table_write_it_one_after_the_other(deployment_home, tmp_path):
    lakehouse_home = tmp_path / "lakehouse"
    delivered = generate_landing(lakehouse_home / "data", scale=1_000).feeds["erp/stores"]
    command = [sys.executable, "-m", "lakehouse.cli", "materialize", "--select", "key:bronze/erp_stores"]
    env = environment(deployment_home, lakehouse_home)
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda _: subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True),
                             range(2)))  # fmt: skip
    assert all(run.returncode == 0 for run in done), [run.stdout[-2000:] for run in done]

    with dg.DagsterInstance.from_config(str(deployment_home)) as instance:
        windows = sorted(_step_window(instance, run.run_id) for run in instance.get_runs())
    assert len(windows) == 2 and windows[0][1] <= windows[1][0]  # the second began after the first ended
    stores = DeltaTable(str(lakehouse_home / "data" / "bronze" / "erp_stores")).to_pyarrow_table()
    assert stores.num_rows == delivered.valid_records + delivered.malformed_records  # ingested once


def _step_window(instance: dg.DagsterInstance, run_id: str) -> tuple[datetime, datetime]:
    """When the run's step started and when it succeeded."""
    times = {
        entry.dagster_event.event_type: datetime.fromtimestamp(entry.timestamp)
        for entry in instance.all_logs(run_id)
        if entry.dagster_event
        and entry.dagster_event.event_type in (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS)
    }
    return times[dg.DagsterEventType.STEP_START], times[dg.DagsterEventType.STEP_SUCCESS]
