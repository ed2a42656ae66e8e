"""The few Kafka admin operations the platform needs, on a cluster named by its bootstrap servers."""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic, OffsetSpec


class KafkaUnavailable(RuntimeError):
    pass


def _admin(bootstrap_servers: str) -> AdminClient:
    # The failures that matter come back as exceptions; librdkafka's own log would repeat each one on stderr.
    return AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0})


def cluster_metadata(bootstrap_servers: str, timeout: float = 10.0) -> ClusterMetadata:
    """Brokers and topics of the cluster, or KafkaUnavailable when no broker answers in time."""
    try:
        metadata = _admin(bootstrap_servers).list_topics(timeout=timeout)
    except KafkaException as exc:
        raise KafkaUnavailable(f"no Kafka broker answers at {bootstrap_servers}: {exc.args[0].str()}") from exc
    if not metadata.brokers:
        raise KafkaUnavailable(f"the Kafka cluster at {bootstrap_servers} has no broker ready yet")
    return metadata


def ensure_topics(bootstrap_servers: str, topics: Iterable[str], partitions: int) -> list[str]:
    """Create the topics that do not exist yet (one replica: the local broker is a single node)."""
    existing = cluster_metadata(bootstrap_servers).topics
    missing = [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics if t not in existing]
    if not missing:
        return []
    admin = _admin(bootstrap_servers)  # kept alive until every future is resolved
    for future in admin.create_topics(missing, operation_timeout=30).values():
        try:
            future.result()
        except KafkaException as exc:
            # Another producer created it in the meantime: that is what we wanted.
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return [t.topic for t in missing]


def end_offsets(bootstrap_servers: str, topics: Iterable[str]) -> dict[str, dict[int, int]]:
    """topic -> partition -> offset of the next record, for the topics that exist."""
    metadata = cluster_metadata(bootstrap_servers)
    partitions = [
        TopicPartition(topic, p)
        for topic in topics
        if topic in metadata.topics
        for p in metadata.topics[topic].partitions
    ]
    if not partitions:
        return {}
    admin = _admin(bootstrap_servers)  # kept alive until every future is resolved
    futures = admin.list_offsets({tp: OffsetSpec.latest() for tp in partitions}, request_timeout=30)
    offsets: dict[str, dict[int, int]] = {}
    for tp, future in futures.items():
        offsets.setdefault(tp.topic, {})[tp.partition] = future.result().offset
    return {topic: dict(sorted(by_partition.items())) for topic, by_partition in sorted(offsets.items())}
