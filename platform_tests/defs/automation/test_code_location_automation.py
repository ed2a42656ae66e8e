"""The code location's automation as shipped: which sensors exist and run by default, every automated
asset evaluated by exactly one automation sensor, and the stream-fed Silver tables' promises."""

import importlib

import dagster as dg
import pytest
from dagster._core.execution.api import create_execution_plan
from dagster._core.execution.plan.outputs import StepOutputHandle
from dagster._core.execution.retries import RetryMode

from lakehouse.definitions import defs
from lakehouse.defs.automation.event_tables_sensor import EVENT_TABLES
from lakehouse.defs.automation.kafka_sensor import with_silver_downstream
from lakehouse.defs.branches import branch_lakes
from lakehouse.lib.automation import STREAM_SOURCES, STREAMED_FRESHNESS


@pytest.fixture(scope="module")
def definitions():
    return defs()


def test_every_sensor_runs_by_default_and_no_default_automation_sensor_is_added(definitions):
    sensors = {s.name: s for s in definitions.get_repository_def().sensor_defs}
    branch_only = sensors.pop("branch_lake_sensor")
    assert set(sensors) == {
        "kafka_new_records",
        "landing_zone_new_files",
        "record_run_failures",
        "spark_tables_automation",
        "dbt_models_automation",
        "event_tables_follow_bronze",
    }
    assert {s.default_status for s in sensors.values()} == {dg.DefaultSensorStatus.RUNNING}
    assert branch_only.default_status == dg.DefaultSensorStatus.STOPPED  # outside branch deployments


def test_the_branch_lake_sensor_runs_by_default_in_branch_deployments(monkeypatch):
    monkeypatch.setenv("DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT", "1")
    monkeypatch.setenv("DAGSTER_CLOUD_DEPLOYMENT_NAME", "fix-orders")
    try:
        assert importlib.reload(branch_lakes).branch_lake_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    finally:
        monkeypatch.undo()
        importlib.reload(branch_lakes)


def test_each_automated_asset_is_evaluated_by_exactly_one_automation_sensor(definitions):
    graph = definitions.resolve_asset_graph()
    automated = {key for key in graph.get_all_asset_keys() if graph.get(key).automation_condition is not None}
    targets = [
        s.asset_selection.resolve(graph) & automated
        for s in definitions.get_repository_def().sensor_defs
        if isinstance(s, dg.AutomationConditionSensorDefinition)
    ]
    assert set().union(*targets) == automated
    assert sum(len(t) for t in targets) == len(automated)
    assert {dg.AssetKey(["silver", "clickstream_sessions"]), dg.AssetKey(["analyst", "customers"])} <= automated


def test_every_silver_table_follows_its_sources_eagerly_or_as_a_day_partitioned_event_table(definitions):
    graph = definitions.resolve_asset_graph()
    silver = dg.AssetSelection.groups("silver").resolve(graph)
    automated = {key for key in silver if graph.get(key).automation_condition is not None}
    event_tables = {table.key for table in EVENT_TABLES}
    assert automated | event_tables == silver and not automated & event_tables
    assert event_tables == {dg.AssetKey(["silver", "clickstream_events"])}
    for key in event_tables:
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition)
        assert node.backfill_policy == dg.BackfillPolicy.single_run()


def test_stream_fed_silver_tables_promise_freshness(definitions):
    graph = definitions.resolve_asset_graph()
    stream_fed = {"customers", "customer_history", "orders", "order_lines", "clickstream_events"}
    for name in stream_fed | {"products", "clickstream_sessions"}:
        node = graph.get(dg.AssetKey(["silver", name]))
        assert (node.freshness_policy == STREAMED_FRESHNESS) == (name in stream_fed), name


def step_order(definitions, selection: dg.AssetSelection) -> list[str]:
    """The order in which the in-process executor takes the steps of a run of `selection` when each succeeds."""
    graph = definitions.resolve_asset_graph()
    job = definitions.resolve_implicit_global_asset_job_def().get_subset(asset_selection=selection.resolve(graph))
    order = []
    with create_execution_plan(job).start(retry_mode=RetryMode.DISABLED) as execution:
        while not execution.is_complete:
            step = execution.get_next_step()
            order.append(step.key)
            for output in step.step_outputs:
                execution.mark_step_produced_output(StepOutputHandle(step.key, output.name))
            execution.mark_success(step.key)
    return order


def test_a_kafka_run_makes_each_silver_table_visible_right_after_its_bronze_and_checks_references_later(definitions):
    graph = definitions.resolve_asset_graph()
    keys = with_silver_downstream(STREAM_SOURCES).resolve(graph)
    step_of = {key: definitions.resolve_assets_def(key).node_def.name for key in keys}
    order = step_order(definitions, with_silver_downstream(STREAM_SOURCES))
    assert order[:2] == ["bronze__kafka_web_clickstream", "silver__clickstream_events"]
    # The customers' history is derived in the customers' step, from the same read of their changes.
    assert step_of[dg.AssetKey(["silver", "customer_history"])] == step_of[dg.AssetKey(["silver", "customers"])]
    bronze = [step for step in order if step.startswith("bronze__")]
    parents = {}
    for key, step in step_of.items():
        parents.setdefault(step, set()).update(step_of[p] for p in graph.get(key).parent_keys if p in step_of)
    # Silver steps whose sources in this run are all Bronze: no blocking check or other table to wait for.
    fed_by_bronze = {step for step in parents if step.startswith("silver__") and parents[step] <= set(bronze)}
    assert fed_by_bronze == {"silver__clickstream_events", "silver__customers", "silver__orders"}
    for step in fed_by_bronze:
        assert order.index(step) == max(order.index(p) for p in parents[step]) + 1, order
    served = max(order.index(step) for step in [*bronze, *fed_by_bronze])
    # The contract checks are in the steps that write the tables; the reference checks wait for the rest.
    assert not [step for step in order if step.endswith(("_contract", "_unique_key"))], order
    deferred = [step for step in order if "_references_" in step]
    assert len(deferred) == 3 and min(order.index(step) for step in deferred) > served, order
