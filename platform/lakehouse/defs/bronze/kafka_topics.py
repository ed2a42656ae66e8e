"""One Bronze asset per Kafka topic of the source systems: each run ingests exactly what arrived
since the last one (Structured Streaming, `availableNow`, a checkpoint per table)."""

from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
from pyspark.sql import SparkSession

from lakehouse.lib import step_order
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Materialized, SparkStep, StepRun, spark_step
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.ingest.kafka_stream import ingest_kafka_topic
from lakehouse.lib.kafka.admin import KafkaUnavailable, cluster_metadata
from lakehouse.lib.kafka.cluster import BOOTSTRAP_ENV, KafkaCluster
from lakehouse.lib.layers import BRONZE, bronze_key, table_name
from lakehouse.lib.storage import LakehouseStorage


@dataclass(frozen=True)
class KafkaFeed:
    topic: str
    source_system: str
    key: str  # what the message key identifies: one key's messages keep their order
    description: str
    ingest_first: bool = False  # the event stream: most records, read by users within the minute

    @property
    def table(self) -> str:
        return "kafka_" + self.topic.replace(".", "_")


# The topics the source systems publish to.
CUSTOMER_CHANGES = "crm.customer_changes"  # Debezium-style CRM customer changes, keyed by customer id
ORDERS = "erp.orders"  # ERP order header change events, keyed by order id
ORDER_LINES = "erp.order_lines"  # ERP order line change events, keyed by order id (with their order)
CLICKSTREAM = "web.clickstream"  # web shop events, keyed by session id

KAFKA_FEEDS: tuple[KafkaFeed, ...] = (
    KafkaFeed(CUSTOMER_CHANGES, "crm", "customer_id", "Debezium-style CRM customer changes from Kafka (JSON values)."),
    KafkaFeed(ORDERS, "erp", "order_id", "ERP order header change events from Kafka (JSON values)."),
    KafkaFeed(ORDER_LINES, "erp", "order_id", "ERP order line change events from Kafka (JSON values)."),
    KafkaFeed(
        CLICKSTREAM,
        "web",
        "session_id",
        "Web shop clickstream events from Kafka (JSON values).",
        ingest_first=True,
    ),
)


class KafkaIngestConfig(dg.Config):
    max_offsets_per_trigger: int | None = None  # split a large backlog into commits of at most this many records


def ingestion_step(feed: KafkaFeed) -> SparkStep:
    key = bronze_key(feed.table)

    def ingest(spark: SparkSession, run: StepRun) -> Iterator[Materialized]:
        storage = run.resources["storage"]
        table_uri = storage.table_uri(key)
        report = ingest_kafka_topic(
            spark,
            bootstrap_servers=run.config["bootstrap_servers"],
            topic=feed.topic,
            table_uri=table_uri,
            checkpoint_uri=storage.system_uri("checkpoints", *key.path),
            batch_id=run.run_id,
            max_offsets_per_trigger=run.config["max_offsets_per_trigger"],
        )
        run.log.info(f"{feed.topic}: {report.rows} record(s) in {report.micro_batches} commit(s)")
        table_metadata = delta_table_metadata(table_uri, table_name=table_name(key)) if report.rows else {}
        yield Materialized(key, {**report.metadata(), **table_metadata})

    return spark_step(f"bronze/{feed.table}", ingest, __name__)


def bronze_kafka_asset(feed: KafkaFeed) -> dg.AssetsDefinition:
    step = ingestion_step(feed)

    @dg.asset(
        key=bronze_key(feed.table),
        group_name=BRONZE,
        description=feed.description,
        kinds={"spark", "delta", "kafka"},
        owners=["team:data-platform"],
        tags={"source_system": feed.source_system, "layer": BRONZE},
        metadata={"topic": feed.topic, "message_key": feed.key},
        op_tags=step_order.EVENT_STREAM if feed.ingest_first else None,
        pool=step.name,
    )
    def _bronze(
        context: dg.AssetExecutionContext,
        config: KafkaIngestConfig,
        compute: SparkCompute,
        storage: LakehouseStorage,
        kafka: KafkaCluster,
    ):
        bootstrap = kafka.resolved_bootstrap_servers()
        if bootstrap is None:
            # Nothing to read, but still an outcome: skipping the step would skip the Silver tables
            # this topic feeds, which also read files, in a run of the whole graph.
            context.log.warning(
                f"Nothing ingested: no Kafka cluster configured (set {BOOTSTRAP_ENV}, or run `lakehouse kafka start`)."
            )
            yield dg.MaterializeResult(metadata={"topic": feed.topic, "rows_ingested": 0, "cluster": "none configured"})
            return
        try:
            topics = cluster_metadata(bootstrap).topics
        except KafkaUnavailable as exc:
            raise dg.Failure(
                description=f"{exc}. Nothing was ingested; the next run starts where the last one stopped."
            ) from exc
        if feed.topic not in topics:
            context.log.info(f"Topic {feed.topic} does not exist yet: nothing has been published to it.")
            yield dg.MaterializeResult(metadata={"topic": feed.topic, "rows_ingested": 0})
            return
        settings = {"bootstrap_servers": bootstrap, "max_offsets_per_trigger": config.max_offsets_per_trigger}
        yield from compute.run(context, step, settings, storage=storage)

    return _bronze


# Built on import: a remote Spark driver finds the steps by importing this module.
KAFKA_ASSETS = [bronze_kafka_asset(feed) for feed in KAFKA_FEEDS]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=KAFKA_ASSETS)
