"""Exactly-once ingestion of a Kafka topic into a Bronze Delta table with Structured Streaming.

Each run is one `availableNow` query: it reads every record that arrived since the previous run,
appends it to the Delta table as received (key and value as text, plus Kafka's topic, partition,
offset and timestamp), and stops. Where the previous run stopped is the query's checkpoint, one per
table. Exactly-once across crashes is the pair of promises Spark and Delta make together: the
checkpoint logs a micro-batch's offsets before the batch is written, and the Delta sink records each
batch it committed in the table's own log, so after a crash the logged batch is run again and
skipped if it had already been committed. Broker restarts change nothing: the offsets live in the
checkpoint, not in the broker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.transforms.bronze_columns import BATCH_ID, INGESTED_AT

KAFKA_COLUMNS = ("topic", "partition", "offset", "timestamp", "timestampType")
# A Kafka Bronze table: the record as received, where in the topic it was, and which run took it.
TABLE_SCHEMA = (
    "key string, value string, topic string, partition int, offset bigint, timestamp timestamp, "
    f"timestampType int, {INGESTED_AT} timestamp, {BATCH_ID} string"
)


@dataclass
class StreamIngestReport:
    topic: str
    batch_id: str
    rows: int = 0
    micro_batches: int = 0
    end_offsets: dict[str, int] = field(default_factory=dict)  # partition -> next offset to read

    def metadata(self) -> dict:
        return {
            "topic": self.topic,
            "batch_id": self.batch_id,
            "rows_ingested": self.rows,
            "micro_batches": self.micro_batches,
            "end_offsets": self.end_offsets or "(nothing new)",
        }


def ingest_kafka_topic(
    spark: SparkSession,
    *,
    bootstrap_servers: str,
    topic: str,
    table_uri: str,
    checkpoint_uri: str,
    batch_id: str,
    max_offsets_per_trigger: int | None = None,
) -> StreamIngestReport:
    """Append what `topic` received since the last run to the table at `table_uri`; return what was
    committed. `max_offsets_per_trigger` splits a large backlog into several micro-batches (commits)."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap_servers)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        # Offsets the checkpoint expects but the broker no longer has (retention, a wiped broker) stop
        # the run instead of being skipped silently.
        .option("failOnDataLoss", "true")
    )
    if max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", max_offsets_per_trigger)
    records = reader.load().select(
        F.col("key").cast("string").alias("key"),
        F.col("value").cast("string").alias("value"),
        *KAFKA_COLUMNS,
        F.current_timestamp().alias(INGESTED_AT),
        F.lit(batch_id).alias(BATCH_ID),
    )
    version_before = _version(spark, table_uri)
    query = (
        records.writeStream.format("delta")
        .outputMode("append")
        .option("checkpointLocation", checkpoint_uri)
        .trigger(availableNow=True)
        .start(table_uri)
    )
    query.awaitTermination()
    report = StreamIngestReport(topic, batch_id)
    report.rows, report.micro_batches = _committed_since(spark, table_uri, version_before)
    progress = [p for p in query.recentProgress if p.numInputRows]
    if progress:
        ends = json.loads(progress[-1].sources[0].endOffset).get(topic, {})
        report.end_offsets = {str(p): ends[p] for p in sorted(ends, key=int)}
    return report


def _version(spark: SparkSession, table_uri: str) -> int:
    if not DeltaTable.isDeltaTable(spark, table_uri):
        return -1
    return DeltaTable.forPath(spark, table_uri).history(1).first()["version"]


def _committed_since(spark: SparkSession, table_uri: str, version: int) -> tuple[int, int]:
    """Rows and commits the stream added after `version`, from the Delta log: a micro-batch re-run
    after a crash and skipped by the sink counts for nothing, as it should."""
    if not DeltaTable.isDeltaTable(spark, table_uri):
        return 0, 0
    commits = (
        DeltaTable.forPath(spark, table_uri)
        .history()
        .where((F.col("version") > version) & (F.col("operation") == "STREAMING UPDATE"))
        .select(F.col("operationMetrics")["numOutputRows"].cast("long").alias("rows"))
        .collect()
    )
    return sum(c["rows"] or 0 for c in commits), len(commits)
