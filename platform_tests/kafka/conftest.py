"""A real Kafka broker (single-node KRaft on 127.0.0.1, its own JVM) per test module, with its data
under the module's temporary folder."""

from collections.abc import Iterator

import pytest

from lakehouse.lib.kafka.broker import LocalKafkaBroker


@pytest.fixture(scope="module")
def kafka_broker(tmp_path_factory) -> Iterator[LocalKafkaBroker]:
    broker = LocalKafkaBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    yield broker
    broker.stop()
