"""A Bronze-from-Kafka run killed mid-stream (SIGKILL of its whole process, Spark JVM included)
loses and repeats nothing: the next run ingests exactly the rest, and the table holds every record
of the topic once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS, bronze_kafka_asset
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.kafka.cluster import KafkaCluster
from lakehouse.sources.event_producer import produce_events
from lakehouse.sources.topics import CLICKSTREAM

pytestmark = pytest.mark.integration
FEED = next(feed for feed in KAFKA_FEEDS if feed.topic == CLICKSTREAM)
MESSAGES, PER_MICRO_BATCH = 3_000, 150
RUN_SCRIPT = Path(__file__).with_name("kafka_bronze_run.py")


def kill_mid_stream(process: subprocess.Popen, checkpoint: Path, timeout: float = 300) -> None:
    """SIGKILL the run as soon as its second micro-batch is planned: the first is committed, the
    second's offsets are logged in the checkpoint but the batch is not (or only just) written."""
    planned = checkpoint / "offsets" / "1"
    deadline = time.monotonic() + timeout
    while not planned.exists():
        assert process.poll() is None, (
            f"the run ended before its second micro-batch:\n{process.communicate()[0][-3000:]}"
        )
        assert time.monotonic() < deadline, "no second micro-batch planned in time"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def bronze_rows(lake_root: Path) -> list[tuple[int, int]]:
    data = DeltaTable(str(lake_root / "bronze" / FEED.table)).to_pyarrow_table(columns=["partition", "offset"])
    return list(zip(data["partition"].to_pylist(), data["offset"].to_pylist()))


def test_a_killed_run_is_finished_by_the_next_without_loss_or_duplicates(
    kafka_broker, spark_resource, storage, lake_root, tmp_path
):
    bootstrap = kafka_broker.bootstrap_servers()
    report = produce_events(bootstrap, rate=50_000, seconds=MESSAGES / 50_000, topics=[CLICKSTREAM])
    assert report.delivered[CLICKSTREAM] == MESSAGES

    run = subprocess.Popen(
        [
            sys.executable,
            str(RUN_SCRIPT),
            storage.root_uri,
            str(tmp_path / "scratch"),
            bootstrap,
            FEED.table,
            str(PER_MICRO_BATCH),
        ],
        env={**os.environ, "LAKEHOUSE_SPARK_DRIVER_MEMORY": "1g"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    kill_mid_stream(run, lake_root / "_system" / "checkpoints" / "bronze" / FEED.table)
    partial = len(bronze_rows(lake_root))
    assert 0 < partial < MESSAGES, "the kill should land between the first and the last micro-batch"

    result = dg.materialize(
        [bronze_kafka_asset(FEED)],
        resources={
            **in_process_spark(spark_resource),
            "storage": storage,
            "kafka": KafkaCluster(bootstrap_servers=bootstrap),
        },
    )
    assert result.success
    rows = bronze_rows(lake_root)
    assert len(rows) == MESSAGES and len(set(rows)) == MESSAGES
    [materialization] = result.get_asset_materialization_events()
    assert materialization.materialization.metadata["rows_ingested"].value == MESSAGES - partial
