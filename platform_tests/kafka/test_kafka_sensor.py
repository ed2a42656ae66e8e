"""The Kafka sensor against a real broker: produced events make it request one run, that run takes
them through Bronze (exactly once) into Silver, and neither its cursor nor its run key lets the same
records start a second run."""

import json

import dagster as dg
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from lakehouse.defs.automation.kafka_sensor import kafka_new_records, offsets_key, unconsumed
from lakehouse.defs.automation.triggers import TRIGGER_TAG
from lakehouse.defs.bronze import file_feeds, kafka_topics
from lakehouse.defs.silver import tables as silver_tables
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.kafka.cluster import KafkaCluster
from lakehouse.lib.lanes import LANE_TAG, STREAM
from lakehouse.sources.event_producer import produce_events
from lakehouse.sources.events import batch_messages
from lakehouse.sources.topics import CLICKSTREAM

pytestmark = pytest.mark.integration
KAFKA_CLICKS = dg.AssetKey(["bronze", "kafka_web_clickstream"])
FILE_CLICKS = dg.AssetKey(["bronze", "web_clickstream"])
SILVER_FROM_CLICKS = {dg.AssetKey(["silver", "clickstream_events"]), dg.AssetKey(["silver", "clickstream_sessions"])}
FILE_EVENTS = 20


def test_backlog_is_what_the_broker_holds_beyond_what_bronze_committed():
    ends = {"a": {0: 10, 1: 5}, "b": {0: 3}, "c": {0: 0}}
    assert unconsumed(ends, {"a": {0: 10, 1: 2}, "b": {0: 3}}) == {"a": 3}
    assert unconsumed(ends, {}) == {"a": 15, "b": 3}
    assert offsets_key({"b": {0: 3}, "a": {1: 5, 0: 10}}) == offsets_key({"a": {0: 10, 1: 5}, "b": {0: 3}})


@pytest.fixture
def definitions(spark_resource, storage, kafka_broker):
    silver = silver_tables.defs()
    # This lake holds clickstream only: checks of references to other tables have nothing to look up.
    checks = [c for c in silver.asset_checks if not any(k.name.startswith("references_") for k in c.check_keys)]
    return dg.Definitions.merge(
        file_feeds.defs(),
        kafka_topics.defs(),
        dg.Definitions(assets=silver.assets, asset_checks=checks),
        dg.Definitions(
            sensors=[kafka_new_records],
            executor=dg.in_process_executor,
            resources={
                **in_process_spark(spark_resource),
                "storage": storage,
                "kafka": KafkaCluster(bootstrap_servers=kafka_broker.bootstrap_servers()),
            },
        ),
    )


def tick(definitions, instance, cursor=None):
    # A context manager: the compute resource holds the Spark resource, which Dagster opens as a generator.
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=definitions, resources=definitions.resources
    ) as context:
        return kafka_new_records(context)


def run(definitions, instance, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    job = definitions.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=instance,
        asset_selection=request.asset_selection,
        tags={**request.tags, "dagster/run_key": request.run_key},
    )
    assert result.success
    return result


def land_file_clicks(definitions, instance, lake_root) -> None:
    """The file-fed half of Silver clickstream: a few events of source batch 0 in one landed file."""
    folder = lake_root / "landing" / "web" / "clickstream"
    folder.mkdir(parents=True)
    [clicks] = batch_messages(seed=7, batch=0, scale=1_000, topics=[CLICKSTREAM])
    (folder / "clickstream_0.json").write_text("\n".join(clicks.values.to_pylist()[:FILE_EVENTS]) + "\n")
    job = definitions.resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(instance=instance, asset_selection=[FILE_CLICKS]).success


def bronze_offsets(lake_root) -> list[tuple[int, int]]:
    data = DeltaTable(str(lake_root / "bronze" / "kafka_web_clickstream")).to_pyarrow_table(
        columns=["partition", "offset"]
    )
    return list(zip(data["partition"].to_pylist(), data["offset"].to_pylist()))


def live_silver_events(lake_root) -> int:
    events = DeltaTable(str(lake_root / "silver" / "clickstream_events")).to_pyarrow_table(columns=["is_deleted"])
    return events.filter(pc.invert(events["is_deleted"])).num_rows


def test_the_sensor_takes_produced_events_to_bronze_and_silver_once(definitions, kafka_broker, lake_root):
    bootstrap = kafka_broker.bootstrap_servers()
    with dg.instance_for_test() as instance:
        assert isinstance(tick(definitions, instance), dg.SkipReason)  # no topic yet: nothing to consume
        land_file_clicks(definitions, instance, lake_root)

        # Source batch 1: later events than the landed file's, so Silver gains every one of them.
        produced = produce_events(bootstrap, rate=2_000, seconds=0.2, topics=[CLICKSTREAM], batch=1).delivered[
            CLICKSTREAM
        ]
        first = tick(definitions, instance)
        [request] = first.run_requests
        assert set(request.asset_selection) == {KAFKA_CLICKS} | SILVER_FROM_CLICKS
        assert request.tags[LANE_TAG] == STREAM
        assert sum(sum(p.values()) for p in json.loads(first.cursor).values()) == produced

        # The same records are not requested twice: not with the cursor, not while a run is queued,
        # and after a lost cursor the run key is the same one, which Dagster launches only once.
        assert "No record arrived" in tick(definitions, instance, first.cursor).skip_message
        running = instance.add_run(
            dg.DagsterRun(job_name="kafka", status=dg.DagsterRunStatus.STARTED, tags={TRIGGER_TAG: "kafka"})
        )
        assert "queued or running" in tick(definitions, instance).skip_message
        instance.delete_run(running.run_id)
        assert tick(definitions, instance).run_requests[0].run_key == request.run_key

        result = run(definitions, instance, request)
        materialized = [e.asset_key for e in result.get_asset_materialization_events()]
        assert materialized.index(KAFKA_CLICKS) < min(materialized.index(k) for k in SILVER_FROM_CLICKS)
        rows = bronze_offsets(lake_root)
        assert len(rows) == len(set(rows)) == produced
        assert live_silver_events(lake_root) == FILE_EVENTS + produced
        assert "consumed every record" in tick(definitions, instance, first.cursor).skip_message

        more = produce_events(bootstrap, rate=2_000, seconds=0.1, topics=[CLICKSTREAM], batch=2).delivered[CLICKSTREAM]
        [second] = tick(definitions, instance, first.cursor).run_requests
        assert second.run_key != request.run_key
        run(definitions, instance, second)
        rows = bronze_offsets(lake_root)
        assert len(rows) == len(set(rows)) == produced + more
        assert live_silver_events(lake_root) == FILE_EVENTS + produced + more
