"""The local Kafka broker: a real KRaft node that starts, answers, stops and comes back with its data."""

import psutil
import pytest

from lakehouse.lib.kafka import broker as broker_module
from lakehouse.lib.kafka.admin import KafkaUnavailable, cluster_metadata, end_offsets, ensure_topics
from lakehouse.lib.kafka.broker import BrokerError, LocalKafkaBroker
from lakehouse.lib.maven import JarResolutionError


def test_start_stop_and_restart_keep_address_and_data(tmp_path):
    broker = LocalKafkaBroker(tmp_path / "kafka")
    bootstrap = broker.start()
    pid = broker.pid()
    try:
        assert bootstrap.startswith("127.0.0.1:")
        assert broker.start() == bootstrap and broker.pid() == pid  # already running: nothing new started
        assert ensure_topics(bootstrap, ["t.one"], partitions=2) == ["t.one"]
        assert ensure_topics(bootstrap, ["t.one"], partitions=2) == []

        assert broker.stop()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert broker.bootstrap_servers() is None and not broker.stop()
        with pytest.raises(KafkaUnavailable):
            cluster_metadata(bootstrap, timeout=1.0)

        assert broker.start() == bootstrap
        assert end_offsets(bootstrap, ["t.one"]) == {"t.one": {0: 0, 1: 0}}
    finally:
        broker.stop()


def test_missing_java_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(BrokerError, match="Java 17"):
        LocalKafkaBroker(tmp_path / "kafka").start()


def test_missing_jars_without_maven_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_JARS_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(broker_module, "_java", lambda: "java")
    with pytest.raises(JarResolutionError, match="Maven .* the local Kafka broker"):
        LocalKafkaBroker(tmp_path / "kafka").start()
