"""The Kafka sensor: a run of Bronze, and of the Silver tables it feeds, whenever a topic holds records
that Bronze has not consumed yet.

What Bronze consumed is read from each stream's checkpoint, what the broker holds from its end
offsets. Duplicates are prevented three ways: the cursor keeps the end offsets last requested (no
second request for the same records), the run key is derived from them (Dagster launches a key once
per sensor), and no request is made while a run of this sensor is still queued or running (a burst
becomes one run that takes everything, not a queue of small ones).
"""

import json

import dagster as dg

from lakehouse.defs.automation.triggers import TRIGGER_TAG, has_unfinished_run, run_key
from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS, KafkaFeed
from lakehouse.defs.silver.stream_sources import kafka_bronze
from lakehouse.lib.automation import STREAM_SOURCES
from lakehouse.lib.ingest.stream_checkpoint import committed_kafka_offsets
from lakehouse.lib.kafka.admin import KafkaUnavailable, end_offsets
from lakehouse.lib.kafka.cluster import KafkaCluster
from lakehouse.lib.lanes import STREAM, lane
from lakehouse.lib.layers import SILVER
from lakehouse.lib.storage import LakehouseStorage

SENSOR_NAME, TRIGGER = "kafka_new_records", "kafka"

Offsets = dict[str, dict[int, int]]  # topic -> partition -> offset


def with_silver_downstream(selection: dg.AssetSelection) -> dg.AssetSelection:
    """`selection` and the Silver tables fed by it: one run, one Spark JVM, from Kafka to Silver."""
    return selection | (selection.downstream() & dg.AssetSelection.groups(SILVER))


def unconsumed(ends: Offsets, consumed: Offsets) -> dict[str, int]:
    """topic -> records the broker holds that Bronze has not consumed, for topics with any."""
    backlog = {
        topic: sum(max(end - consumed.get(topic, {}).get(partition, 0), 0) for partition, end in partitions.items())
        for topic, partitions in ends.items()
    }
    return {topic: records for topic, records in backlog.items() if records}


def offsets_key(ends: Offsets) -> str:
    """The same end offsets give the same text whatever the order they were listed in (cursor, run key)."""
    return json.dumps({t: {str(p): o for p, o in sorted(ps.items())} for t, ps in sorted(ends.items())})


def consumed_offsets(storage: LakehouseStorage, feed: KafkaFeed) -> dict[int, int]:
    checkpoint = storage.system_uri("checkpoints", *kafka_bronze(feed.topic).path)
    return committed_kafka_offsets(checkpoint).get(feed.topic, {})


@dg.sensor(
    name=SENSOR_NAME,
    target=with_silver_downstream(STREAM_SOURCES),
    minimum_interval_seconds=5,
    # Harmless without a broker: every tick is skipped with the reason.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs Kafka Bronze and the Silver tables it feeds when a topic has records Bronze has not consumed.",
)
def kafka_new_records(context: dg.SensorEvaluationContext, kafka: KafkaCluster, storage: LakehouseStorage):
    bootstrap = kafka.resolved_bootstrap_servers()
    if bootstrap is None:
        return dg.SkipReason("No Kafka cluster configured.")
    try:
        ends = end_offsets(bootstrap, [feed.topic for feed in KAFKA_FEEDS])
    except KafkaUnavailable as exc:
        return dg.SkipReason(str(exc))
    backlog = unconsumed(ends, {feed.topic: consumed_offsets(storage, feed) for feed in KAFKA_FEEDS})
    if not backlog:
        return dg.SkipReason("Bronze has consumed every record of every topic.")
    if offsets_key(ends) == context.cursor:
        return dg.SkipReason(f"No record arrived since the last request; {sum(backlog.values())} wait for its run.")
    if has_unfinished_run(context.instance, TRIGGER):
        return dg.SkipReason(
            f"A run of this sensor is queued or running; {sum(backlog.values())} records wait for the next."
        )
    new_data = dg.AssetSelection.assets(*[kafka_bronze(feed.topic) for feed in KAFKA_FEEDS if feed.topic in backlog])
    selection = with_silver_downstream(new_data).resolve(context.repository_def.asset_graph)
    context.log.info(f"Unconsumed records: {backlog}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key(TRIGGER, offsets_key(ends)),
                asset_selection=sorted(selection),
                # Ahead of queued automation runs: these records are what the one-minute promise is about.
                tags={
                    **lane(STREAM),
                    TRIGGER_TAG: TRIGGER,
                    "dagster/priority": "1",
                    "lakehouse/unconsumed_records": str(sum(backlog.values())),
                },
            )
        ],
        cursor=offsets_key(ends),
    )
