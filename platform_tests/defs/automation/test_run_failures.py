"""The run-failure sensor records each failed run once, with what started it and why it failed."""

import dagster as dg
from deltalake import DeltaTable

from lakehouse.defs.automation.run_failures import record_run_failures
from lakehouse.defs.automation.triggers import TRIGGER_TAG


@dg.asset
def ingested():
    pass


@dg.asset(deps=[ingested])
def broken():
    raise ValueError("the source sent a column of another type")


def failed_run(instance, tags) -> dg.ExecuteInProcessResult:
    result = dg.materialize([ingested, broken], instance=instance, tags=tags, raise_on_error=False)
    assert not result.success
    return result


def evaluate_sensor(instance, storage, result: dg.ExecuteInProcessResult) -> None:
    run = instance.get_run_by_id(result.run_id)
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    context = dg.build_run_status_sensor_context(
        sensor_name="record_run_failures",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
        resources={"storage": storage},
    ).for_run_failure()
    record_run_failures(context)


def test_each_failed_run_is_recorded_once_with_its_trigger_step_and_error(storage, lake_root):
    with dg.instance_for_test() as instance:
        from_kafka = failed_run(instance, {TRIGGER_TAG: "kafka"})
        evaluate_sensor(instance, storage, from_kafka)
        evaluate_sensor(instance, storage, from_kafka)  # evaluated again, after a daemon restart say
        evaluate_sensor(instance, storage, failed_run(instance, {}))

    rows = DeltaTable(str(lake_root / "_system" / "run_failures")).to_pyarrow_table().to_pylist()
    assert [(r["trigger"], r["failed_steps"]) for r in sorted(rows, key=lambda r: r["failed_at"])] == [
        ("kafka", ["broken"]),
        ("manual", ["broken"]),
    ]
    assert all("another type" in r["error"] for r in rows)
    assert {r["run_id"] for r in rows if r["trigger"] == "kafka"} == {from_kafka.run_id}
