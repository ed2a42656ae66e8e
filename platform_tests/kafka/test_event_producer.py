"""The event producer: the sample sources' events as keyed messages, published at a chosen rate to a
real broker, with each key's messages in one partition and in source order."""

import json
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, TopicPartition

from lakehouse.defs.bronze.kafka_topics import KAFKA_FEEDS
from lakehouse.lib.kafka.admin import end_offsets
from lakehouse.sources.event_producer import Pacer, produce_events
from lakehouse.sources.events import batch_messages, in_time_order
from lakehouse.sources.topics import CLICKSTREAM, CUSTOMER_CHANGES, ORDER_LINES, ORDERS, TOPICS

KEY_FIELD = {ORDERS: "order_id", ORDER_LINES: "order_id", CLICKSTREAM: "session_id"}
# Which value field orders one key's events: the source's log sequence, or the event time.
SEQUENCE_FIELD = {CUSTOMER_CHANGES: "lsn", ORDERS: "lsn", ORDER_LINES: "lsn", CLICKSTREAM: "event_ts"}


def customer_key(value: dict) -> str:
    return str((value["after"] or value["before"])["customer_id"])


def test_pacer_spaces_sends_and_catches_up_after_a_late_one():
    now, slept = [100.0], []
    pacer = Pacer(
        rate=10, clock=lambda: now[0], sleep=lambda s: (slept.append(round(s, 6)), now.__setitem__(0, now[0] + s))
    )
    pacer.wait_for_turn(0)
    pacer.wait_for_turn(1)
    now[0] += 0.5  # a slow send: the next four are already due, and go out without waiting
    for sent in (2, 3, 4, 5, 6, 7):
        pacer.wait_for_turn(sent)
    assert slept == [0.1, 0.1]
    assert now[0] == pytest.approx(100.7)


def test_messages_are_the_sources_events_keyed_by_entity():
    streams = batch_messages(seed=7, batch=0, scale=1_000)
    assert [s.topic for s in streams] == list(TOPICS)
    for stream in streams:
        values = [json.loads(v) for v in stream.values.to_pylist()]
        keys = stream.keys.to_pylist()
        assert len(values) == len(keys) > 0
        if stream.topic == CUSTOMER_CHANGES:
            assert keys == [customer_key(v) for v in values]
            assert {v["op"] for v in values} <= {"c", "u", "d"}
        else:
            assert keys == [str(v[KEY_FIELD[stream.topic]]) for v in values]
    merged = list(in_time_order(streams))
    assert len(merged) == sum(len(s.keys) for s in streams)
    # The same seed and batch give the same messages.
    assert merged[:50] == list(in_time_order(batch_messages(seed=7, batch=0, scale=1_000)))[:50]


def consume_all(bootstrap: str, offsets: dict[str, dict[int, int]]) -> list:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "test", "enable.auto.commit": False})
    consumer.assign([TopicPartition(t, p, 0) for t, ends in offsets.items() for p in ends])
    expected, records = sum(sum(e.values()) for e in offsets.values()), []
    while len(records) < expected:
        batch = consumer.consume(1000, timeout=10)
        assert batch, f"only {len(records)} of {expected} records came back"
        records += [m for m in batch if m.error() is None]
    consumer.close()
    return records


def test_produce_publishes_at_the_rate_with_per_key_order(kafka_broker):
    bootstrap = kafka_broker.bootstrap_servers()
    report = produce_events(bootstrap, rate=500, seconds=3)

    assert sum(report.delivered.values()) == 1_500 and not report.failed and not report.errors
    assert set(report.delivered) == set(TOPICS)
    assert 2.9 <= report.seconds < 20  # paced, not bursted; generous on a busy machine
    offsets = end_offsets(bootstrap, TOPICS)
    assert {t: sum(ends.values()) for t, ends in offsets.items()} == dict(report.delivered)
    assert all(len(ends) == 3 for ends in offsets.values())

    partitions_of_key, sequences = defaultdict(set), defaultdict(list)
    for message in consume_all(bootstrap, offsets):
        topic, key, value = message.topic(), message.key().decode(), json.loads(message.value())
        partitions_of_key[topic, key].add(message.partition())
        sequences[topic, key].append((message.offset(), value[SEQUENCE_FIELD[topic]]))
    assert all(len(p) == 1 for p in partitions_of_key.values())
    for (topic, key), seen in sequences.items():
        in_offset_order = [sequence for _, sequence in sorted(seen)]
        assert in_offset_order == sorted(in_offset_order), (topic, key)


def test_bronze_reads_every_topic_the_sources_publish():
    assert sorted(feed.topic for feed in KAFKA_FEEDS) == sorted(TOPICS)
