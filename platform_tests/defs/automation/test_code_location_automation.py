"""The code location's automation as shipped: which sensors exist and run by default, every automated
asset evaluated by exactly one automation sensor, and the stream-fed Silver tables' promises."""

import dagster as dg
import pytest

from lakehouse.definitions import defs
from lakehouse.defs.automation.event_tables_sensor import EVENT_TABLES
from lakehouse.lib.automation import STREAMED_FRESHNESS


@pytest.fixture(scope="module")
def definitions():
    return defs()


def test_every_sensor_runs_by_default_and_no_default_automation_sensor_is_added(definitions):
    sensors = {s.name: s for s in definitions.get_repository_def().sensor_defs}
    assert set(sensors) == {"kafka_new_records", "landing_zone_new_files", "record_run_failures",
                            "spark_tables_automation", "dbt_models_automation", "event_tables_follow_bronze"}
    assert {s.default_status for s in sensors.values()} == {dg.DefaultSensorStatus.RUNNING}


def test_each_automated_asset_is_evaluated_by_exactly_one_automation_sensor(definitions):
    graph = definitions.resolve_asset_graph()
    automated = {key for key in graph.get_all_asset_keys() if graph.get(key).automation_condition is not None}
    targets = [s.asset_selection.resolve(graph) & automated for s in definitions.get_repository_def().sensor_defs
               if isinstance(s, dg.AutomationConditionSensorDefinition)]
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


def test_stream_fed_silver_tables_promise_freshness_and_history_goes_last_in_a_run(definitions):
    graph = definitions.resolve_asset_graph()
    stream_fed = {"customers", "customer_history", "orders", "order_lines", "clickstream_events"}
    for name in stream_fed | {"products", "clickstream_sessions"}:
        node = graph.get(dg.AssetKey(["silver", name]))
        assert (node.freshness_policy == STREAMED_FRESHNESS) == (name in stream_fed), name
    priorities = {name: definitions.get_assets_def(dg.AssetKey(["silver", name])).op.tags["dagster/priority"]
                  for name in ("clickstream_events", "orders", "customer_history", "products")}
    assert priorities == {"clickstream_events": "0", "orders": "0", "customer_history": "-1", "products": "0"}
