"""The source systems publishing their events to Kafka at a chosen rate (`lakehouse produce`)."""

import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import islice

from confluent_kafka import KafkaError, Message, Producer

from lakehouse.lib.kafka.admin import ensure_topics
from lakehouse.sources.events import event_messages
from lakehouse.sources.generate import MIN_SCALE
from lakehouse.sources.topics import TOPICS

DEFAULT_PARTITIONS = 3
# Larger requests span several batches instead of simulating one huge batch in memory.
MAX_BATCH_SCALE = 1_000_000


class Pacer:
    """Spaces sends evenly at `rate` per second, against the clock since the first one: a send
    that ran late is caught up by the following ones, not lost from the total rate."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ):
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self.started = clock()

    def wait_for_turn(self, sent: int) -> None:
        """Return when message number `sent` (0-based) is due."""
        delay = self.started + sent / self.rate - self.clock()
        if delay > 0:
            self.sleep(delay)


@dataclass
class ProduceReport:
    sent: Counter = field(default_factory=Counter)
    delivered: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def on_delivery(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            self.delivered[message.topic()] += 1
        else:
            self.failed[message.topic()] += 1
            self.errors.append(error.str())

    def lines(self) -> list[str]:
        total = sum(self.delivered.values())
        rate = total / self.seconds if self.seconds else 0.0
        lines = [
            f"{topic}: {self.delivered[topic]:,} delivered, {self.failed[topic]:,} failed"
            for topic in sorted(self.sent)
        ]
        lines.append(
            f"{total:,} messages delivered in {self.seconds:.1f}s ({rate:,.0f}/s) from source batch(es) "
            f"{self.batches[0]}-{self.batches[-1]}; next time pass --batch {self.batches[-1] + 1} for new events"
            if self.batches
            else "nothing to send"
        )
        return lines + [f"error: {e}" for e in sorted(set(self.errors))[:5]]


def produce_events(
    bootstrap_servers: str,
    *,
    rate: float,
    seconds: float,
    topics: Collection[str] = TOPICS,
    seed: int = 7,
    batch: int = 0,
    partitions: int = DEFAULT_PARTITIONS,
    log: Callable[[str], None] | None = None,
) -> ProduceReport:
    """Publish `rate` messages per second for `seconds`, over `topics`, in source time order, and
    wait until the broker acknowledged each one."""
    unknown = set(topics) - set(TOPICS)
    if unknown:
        raise ValueError(f"unknown topic(s) {sorted(unknown)}; the sources publish {', '.join(TOPICS)}")
    total = round(rate * seconds)
    ensure_topics(bootstrap_servers, topics, partitions)
    producer = Producer(
        {
            "bootstrap.servers": bootstrap_servers,
            # Retries after a broker hiccup must not write a message twice, nor reorder one key's messages.
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            # The Java clients' key hashing, so a key maps to the same partition whoever produces it.
            "partitioner": "murmur2_random",
            # Transient warnings (a coordinator still loading) are retried by the client; failures reach on_delivery.
            "log_level": 3,
        }
    )
    report = ProduceReport()
    scale = min(max(total, MIN_SCALE), MAX_BATCH_SCALE)
    pacer, next_progress = Pacer(rate), 1.0
    for sent, (source_batch, message) in enumerate(islice(event_messages(seed, batch, scale, topics), total)):
        pacer.wait_for_turn(sent)
        _send(producer, message.topic, message.key, message.value, report.on_delivery)
        report.sent[message.topic] += 1
        if not report.batches or report.batches[-1] != source_batch:
            report.batches.append(source_batch)
        elapsed = time.monotonic() - pacer.started
        if log and elapsed >= next_progress:
            log(
                f"{elapsed:5.1f}s  {sent + 1:,} sent  "
                + "  ".join(f"{t}={n:,}" for t, n in sorted(report.sent.items()))
            )
            next_progress += 1.0
    remaining = producer.flush(30)
    report.seconds = time.monotonic() - pacer.started
    if remaining:
        report.errors.append(f"{remaining} message(s) still unacknowledged after 30s")
    return report


def _send(producer: Producer, topic: str, key: str, value: str, on_delivery) -> None:
    while True:
        try:
            producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            producer.poll(0)
            return
        except BufferError:
            # The local queue is full: let the broker catch up, then retry the same message.
            producer.poll(0.1)
