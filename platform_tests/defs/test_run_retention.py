"""The run retention job against a real instance: old finished runs go with their events, others stay."""

import dagster as dg

from lakehouse.defs.maintenance.run_retention import run_retention


@dg.op
def succeed():
    return 1


@dg.op
def fail():
    raise dg.Failure("on purpose")


@dg.job
def passes():
    succeed()


@dg.job
def breaks():
    fail()


def retain(instance: dg.DagsterInstance, keep_days: float) -> tuple[str, int]:
    """Runs the retention job: its run id and how many runs it deleted."""
    config = {"ops": {"delete_finished_runs": {"config": {"keep_days": keep_days}}}}
    result = run_retention.execute_in_process(run_config=config, instance=instance)
    [output] = [event for event in result.all_node_events if event.is_successful_output]
    return result.run_id, output.event_specific_data.metadata["runs_deleted"].value


def test_finished_runs_older_than_the_retention_are_deleted_with_their_events_and_others_kept():
    with dg.instance_for_test() as instance:
        finished = [
            passes.execute_in_process(instance=instance).run_id,
            breaks.execute_in_process(instance=instance, raise_on_error=False).run_id,
        ]
        queued = instance.create_run_for_job(passes).run_id

        first_retention, deleted = retain(instance, keep_days=30)
        assert deleted == 0 and all(instance.has_run(run_id) for run_id in finished)

        second_retention, deleted = retain(instance, keep_days=0)
        assert deleted == 3  # the two runs and the first retention run, all ended
        assert not any(instance.has_run(run_id) for run_id in [*finished, first_retention])
        assert [instance.all_logs(run_id) for run_id in finished] == [[], []]
        assert instance.has_run(queued) and instance.has_run(second_retention)
