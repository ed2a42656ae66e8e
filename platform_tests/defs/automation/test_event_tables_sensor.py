"""The sensor that brings day-partitioned event tables up to their Bronze with unpartitioned runs."""

import dagster as dg
import pytest

from lakehouse.defs.automation.event_tables_sensor import event_tables_follow_bronze
from lakehouse.lib.lanes import LANE_TAG, SILVER

EVENTS = dg.AssetKey(["silver", "clickstream_events"])
FILE_CLICKS = dg.AssetKey(["bronze", "web_clickstream"])
KAFKA_CLICKS = dg.AssetKey(["bronze", "kafka_web_clickstream"])


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def tick(instance):
    return event_tables_follow_bronze(dg.build_sensor_context(instance=instance))


def materialized(instance, key, partition=None):
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=partition))


def test_an_unpartitioned_run_follows_each_new_materialization_of_a_source(instance):
    assert isinstance(tick(instance), dg.SkipReason)  # no Bronze yet
    materialized(instance, KAFKA_CLICKS)
    assert isinstance(tick(instance), dg.SkipReason)  # the file feed is not there yet: nothing to build on

    materialized(instance, FILE_CLICKS)
    first = tick(instance)
    assert first.asset_selection == [EVENTS] and first.partition_key is None
    assert first.tags[LANE_TAG] == SILVER  # the deployment queues it in Silver's lane
    assert tick(instance).run_key == first.run_key  # the same arrivals: the same key, launched once

    materialized(instance, EVENTS, partition="2026-01-05")  # a backfill of a day applies nothing new
    assert tick(instance).run_key == first.run_key
    materialized(instance, EVENTS, partition="2026-01-06")  # the days an unpartitioned run changed ...
    materialized(instance, EVENTS)  # ... and the run's own materialization
    assert isinstance(tick(instance), dg.SkipReason)
    materialized(instance, KAFKA_CLICKS)
    second = tick(instance)
    assert second.asset_selection == [EVENTS] and second.run_key != first.run_key


def test_no_request_while_a_run_will_update_the_table_or_its_sources(instance):
    materialized(instance, FILE_CLICKS)
    instance.add_run(
        dg.DagsterRun(job_name="bronze", status=dg.DagsterRunStatus.STARTED, asset_selection=frozenset({FILE_CLICKS}))
    )
    assert isinstance(tick(instance), dg.SkipReason)
    instance.add_run(dg.DagsterRun(job_name="everything", status=dg.DagsterRunStatus.STARTING))
    assert "every asset" in tick(instance).skip_message
