"""The Kafka cluster resource: where the streaming Bronze assets read their topics from."""

from pathlib import Path

import dagster as dg

from lakehouse.lib.kafka.broker import LocalKafkaBroker

BOOTSTRAP_ENV = "LAKEHOUSE_KAFKA_BOOTSTRAP"


class KafkaCluster(dg.ConfigurableResource):
    """A Kafka cluster given by its bootstrap servers, or, on the local target, the broker that
    `lakehouse kafka start` runs in `local_broker_home` (looked up at run time, so a broker started
    after `dagster dev` is found). With neither, no cluster is configured."""

    bootstrap_servers: str | None = None
    local_broker_home: str | None = None

    def resolved_bootstrap_servers(self) -> str | None:
        if self.bootstrap_servers:
            return self.bootstrap_servers
        if self.local_broker_home:
            return LocalKafkaBroker(Path(self.local_broker_home)).bootstrap_servers()
        return None


def local_broker(state_dir: Path) -> LocalKafkaBroker:
    return LocalKafkaBroker(state_dir / "kafka")
