"""Bronze from Kafka against a real broker: each run ingests exactly what arrived since the last
one, into Delta, with topic, partition, offset and timestamp; a broker restart loses and repeats
nothing. Tables are read back with delta-rs, an independent Delta reader."""

import dagster as dg
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable
from pyspark.sql.types import StructType

from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS, bronze_kafka_asset
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.ingest.kafka_stream import TABLE_SCHEMA
from lakehouse.lib.kafka.cluster import KafkaCluster
from lakehouse.sources.event_producer import produce_events

pytestmark = pytest.mark.integration
ASSETS = [bronze_kafka_asset(feed) for feed in KAFKA_FEEDS]


def materialize(spark_resource, storage, kafka: KafkaCluster) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        ASSETS,
        resources={
            **in_process_spark(spark_resource),
            "storage": storage,
            "kafka": kafka,
        },
    )
    assert result.success
    return result


def ingested(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    return {
        event.asset_key.path[-1]: event.materialization.metadata["rows_ingested"].value
        for event in result.get_asset_materialization_events()
    }


def table(lake_root, feed) -> DeltaTable:
    return DeltaTable(str(lake_root / "bronze" / feed.table))


def offsets_by_topic(lake_root) -> dict[str, list]:
    """topic -> [(partition, offset)] of every Bronze row, across all four tables."""
    rows = {}
    for feed in KAFKA_FEEDS:
        data = table(lake_root, feed).to_pyarrow_table(columns=["topic", "partition", "offset"])
        assert pc.all(pc.equal(data["topic"], feed.topic)).as_py()
        rows[feed.topic] = list(zip(data["partition"].to_pylist(), data["offset"].to_pylist()))
    return rows


def test_without_a_cluster_the_kafka_assets_ingest_nothing_and_create_no_table(spark_resource, storage, lake_root):
    result = materialize(spark_resource, storage, KafkaCluster())
    # A materialization, not a skipped step: a skipped step would skip the Silver tables downstream.
    assert ingested(result) == {feed.table: 0 for feed in KAFKA_FEEDS}
    assert not (lake_root / "bronze").exists()


def test_each_run_ingests_exactly_what_arrived_even_across_a_broker_restart(
    kafka_broker, spark_resource, storage, lake_root
):
    kafka = KafkaCluster(bootstrap_servers=kafka_broker.bootstrap_servers())
    # Before any producer ran, the topics do not exist: nothing arrived, nothing is ingested.
    assert set(ingested(materialize(spark_resource, storage, kafka)).values()) == {0}

    first = produce_events(kafka_broker.bootstrap_servers(), rate=20_000, seconds=0.1)
    assert ingested(materialize(spark_resource, storage, kafka)) == {
        f.table: first.delivered[f.topic] for f in KAFKA_FEEDS
    }
    rows = offsets_by_topic(lake_root)
    assert {topic: len(r) for topic, r in rows.items()} == dict(first.delivered)
    # What a consumer reads as empty before the first record is what the records are written as.
    written = spark_resource.spark_session.read.format("delta").load(str(table(lake_root, KAFKA_FEEDS[0]).table_uri))
    assert written.schema.simpleString() == StructType.fromDDL(TABLE_SCHEMA).simpleString()
    assert all(len(set(r)) == len(r) for r in rows.values())

    sample = table(lake_root, KAFKA_FEEDS[0]).to_pyarrow_table().to_pylist()[0]
    assert sample["key"] and sample["value"].startswith("{") and sample["timestamp"] is not None
    assert sample["_batch_id"] and sample["_ingested_at"] is not None

    # Nothing new arrived: nothing is ingested and no table gets a new version.
    versions = {f.table: table(lake_root, f).version() for f in KAFKA_FEEDS}
    assert set(ingested(materialize(spark_resource, storage, kafka)).values()) == {0}
    assert {f.table: table(lake_root, f).version() for f in KAFKA_FEEDS} == versions

    kafka_broker.stop()
    kafka_broker.start()
    second = produce_events(kafka_broker.bootstrap_servers(), rate=20_000, seconds=0.05, batch=1)
    assert ingested(materialize(spark_resource, storage, kafka)) == {
        f.table: second.delivered[f.topic] for f in KAFKA_FEEDS
    }
    rows = offsets_by_topic(lake_root)
    assert {topic: len(r) for topic, r in rows.items()} == dict(first.delivered + second.delivered)
    assert all(len(set(r)) == len(r) for r in rows.values())
