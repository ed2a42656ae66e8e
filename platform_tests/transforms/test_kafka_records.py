"""Kafka records as file-feed rows, on real Spark: the producer's own messages give the same Silver
change rows whether they arrive as files or as Kafka values."""

import pytest
from pyspark.sql import functions as F

from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.sources.events import batch_messages
from lakehouse.sources.topics import CLICKSTREAM, CUSTOMER_CHANGES, ORDER_LINES, ORDERS
from lakehouse.transforms import silver as t
from lakehouse.transforms.kafka_records import with_stream

BRONZE_METADATA = "_rescued_data string, _source_file string, _ingested_at timestamp, _batch_id string"
FEED_OF_TOPIC = {
    CUSTOMER_CHANGES: "crm_customer_changes",
    ORDERS: "erp_orders",
    ORDER_LINES: "erp_order_lines",
    CLICKSTREAM: "web_clickstream",
}


@pytest.fixture(scope="module")
def messages():
    return {stream.topic: stream.values.to_pylist()[:40] for stream in batch_messages(seed=7, batch=0, scale=1_000)}


def file_rows(spark, topic, values):
    """The values as the file feed's Bronze rows: read with the feed's promised types, plus metadata."""
    [feed] = [f for f in FILE_FEEDS if f.name == FEED_OF_TOPIC[topic]]
    rows = spark.read.schema(feed.expected_schema).json(spark.sparkContext.parallelize(values))
    metadata = spark.createDataFrame([], BRONZE_METADATA)
    return rows.unionByName(metadata, allowMissingColumns=True).withColumn("_source_file", F.lit("landed.json"))


def kafka_rows(spark, values):
    return spark.createDataFrame(
        [(str(i), v, i) for i, v in enumerate(values)], "key string, value string, offset long"
    )


def collected(df):
    return sorted(map(str, df.collect()))


@pytest.mark.parametrize(
    "topic, changes",
    [
        (ORDERS, t.order_changes),
        (ORDER_LINES, t.order_line_changes),
        (CLICKSTREAM, t.click_changes),
    ],
)
def test_kafka_values_give_the_same_changes_as_the_same_records_in_files(spark, messages, topic, changes):
    values = messages[topic]
    from_files = changes(file_rows(spark, topic, values))
    no_files = file_rows(spark, topic, values).limit(0)
    from_kafka = changes(no_files, kafka_rows(spark, values))
    assert from_kafka.count() == len(values)
    assert collected(from_kafka) == collected(from_files)
    assert from_kafka.where("_invalid_reason IS NOT NULL").count() == 0


def test_customer_change_stream_joins_the_change_feed(spark, messages):
    values = messages[CUSTOMER_CHANGES]
    # No daily extract: the change feed alone, half of it from files and half from Kafka.
    [extract_feed] = [f for f in FILE_FEEDS if f.name == "crm_customers"]
    no_extracts = spark.createDataFrame([], f"{extract_feed.expected_schema}, {BRONZE_METADATA}")
    half = len(values) // 2
    both = t.customer_changes(
        file_rows(spark, CUSTOMER_CHANGES, values[:half]), no_extracts, no_extracts, kafka_rows(spark, values[half:])
    )
    files_only = t.customer_changes(file_rows(spark, CUSTOMER_CHANGES, values), no_extracts, no_extracts)
    assert both.count() == len(values)
    assert collected(both) == collected(files_only)


def test_a_value_that_is_not_json_becomes_a_row_without_key_and_file_metadata_stays_null(spark, messages):
    good = messages[ORDERS][0]
    files = file_rows(spark, ORDERS, [good])
    rows = with_stream(files.limit(0), kafka_rows(spark, [good, '{"order_id": 1, "op": "c"', "not json"]))
    assert rows.columns == files.columns
    parsed = rows.collect()
    assert [r["order_id"] for r in parsed].count(None) == 2
    assert all(r["_source_file"] is None and r["_rescued_data"] is None for r in parsed)
    changes = t.order_changes(files.limit(0), kafka_rows(spark, [good, "not json"]))
    assert sorted(r["_invalid_reason"] or "" for r in changes.collect()) == ["", "unknown op: NULL"]


def test_without_a_stream_the_file_rows_pass_unchanged(spark, messages):
    files = file_rows(spark, ORDERS, messages[ORDERS])
    assert with_stream(files, None) is files
