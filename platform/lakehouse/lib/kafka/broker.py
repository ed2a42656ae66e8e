"""A real single-node Apache Kafka broker for the local target and the tests (KRaft, combined mode).

The broker runs from the Maven Central jars of the pom next to this module, in a JVM of its own
(its classpath is separate from Spark's), listening on 127.0.0.1 only. Everything it keeps lives in
one folder, its home: the log directory, server.properties, broker.log and broker.json (its pid and
ports). So `lakehouse kafka stop` finds the broker that `lakehouse kafka start` left running in
another process, and a restart comes back on the same address with the same data.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil

from lakehouse.lib.kafka.admin import KafkaUnavailable, cluster_metadata
from lakehouse.lib.maven import MavenClasspath

BROKER_JARS = MavenClasspath(Path(__file__).with_name("pom.xml"), "the local Kafka broker")
LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")
HOST = "127.0.0.1"
NODE_ID = 1
DEFAULT_HEAP = "512m"


class BrokerError(RuntimeError):
    pass


@dataclass(frozen=True)
class BrokerPorts:
    client: int
    controller: int

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.client}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise BrokerError(
            "Java 17 or newer is needed to run the local Kafka broker: put `java` on PATH or set JAVA_HOME."
        )
    return java


def _cluster_id() -> str:
    """A random cluster id in Kafka's own form (URL-safe base64 of a UUID, never starting with '-')."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class LocalKafkaBroker:
    def __init__(self, home: Path, heap: str = DEFAULT_HEAP):
        self.home = Path(home).resolve()
        self.heap = heap
        self.data_dir = self.home / "data"
        self.properties = self.home / "server.properties"
        self.log_file = self.home / "broker.log"
        self._state_file = self.home / "broker.json"

    def _state(self) -> dict:
        return json.loads(self._state_file.read_text()) if self._state_file.exists() else {}

    def _save_state(self, **state) -> None:
        self._state_file.write_text(json.dumps(state))

    def pid(self) -> int | None:
        """The pid of this home's running broker, or None (a recycled pid is not mistaken for it)."""
        pid = self._state().get("pid")
        if pid is None:
            return None
        try:
            process = psutil.Process(pid)
            alive = process.status() != psutil.STATUS_ZOMBIE and str(self.properties) in process.cmdline()
        except psutil.Error:
            return None
        return pid if alive else None

    def ports(self) -> BrokerPorts | None:
        state = self._state()
        return BrokerPorts(state["client_port"], state["controller_port"]) if "client_port" in state else None

    def bootstrap_servers(self) -> str | None:
        """Where clients reach the broker while it runs."""
        ports = self.ports()
        return ports.bootstrap_servers if ports and self.pid() else None

    def start(self, timeout: float = 90.0) -> str:
        """Start the broker (a no-op when it already runs) and return its bootstrap servers once it
        answers metadata requests."""
        running = self.bootstrap_servers()
        if running:
            return running
        java, jars = _java(), BROKER_JARS.resolve()
        # A restart keeps its ports: clients and stream checkpoints keep finding the same broker.
        ports = self.ports() or BrokerPorts(_free_port(), _free_port())
        self.home.mkdir(parents=True, exist_ok=True)
        self._write_properties(ports)
        classpath = os.pathsep.join(str(j) for j in jars)
        if not (self.data_dir / "meta.properties").exists():
            self._format(java, classpath)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [
                    java,
                    f"-Xmx{self.heap}",
                    f"-Xms{self.heap}",
                    "-XX:+UseSerialGC",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(self.properties),
                ],
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: the broker outlives the command that started it and ignores its Ctrl-C.
                start_new_session=True,
            )
        self._save_state(pid=process.pid, client_port=ports.client, controller_port=ports.controller)
        self._wait_until_ready(process, ports, timeout)
        return ports.bootstrap_servers

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM (Kafka flushes and closes its logs), then SIGKILL if it has not exited in time.
        Returns whether a broker was running."""
        pid = self.pid()
        if pid is None:
            return False
        process = psutil.Process(pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        return True

    def _write_properties(self, ports: BrokerPorts) -> None:
        settings = {
            "process.roles": "broker,controller",
            "node.id": NODE_ID,
            "controller.quorum.voters": f"{NODE_ID}@{HOST}:{ports.controller}",
            "listeners": f"PLAINTEXT://{HOST}:{ports.client},CONTROLLER://{HOST}:{ports.controller}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{ports.client}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": self.data_dir,
            # Topics are created on purpose, with their partitions: a mistyped name must not make a new one.
            "auto.create.topics.enable": "false",
            # One node: internal topics get one replica and few partitions.
            "offsets.topic.replication.factor": 1,
            "offsets.topic.num.partitions": 1,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "transaction.state.log.num.partitions": 1,
            "share.coordinator.state.topic.replication.factor": 1,
            "share.coordinator.state.topic.min.isr": 1,
            "group.initial.rebalance.delay.ms": 0,
        }
        self.properties.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))

    def _format(self, java: str, classpath: str) -> None:
        result = subprocess.run(
            [
                java,
                "-Xmx256m",
                f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                _cluster_id(),
                "-c",
                str(self.properties),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BrokerError(
                f"formatting the Kafka log directory {self.data_dir} failed:\n{result.stdout}{result.stderr}"
            )

    def _wait_until_ready(self, process: subprocess.Popen, ports: BrokerPorts, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise BrokerError(f"the Kafka broker exited with code {process.returncode}:\n{self._log_tail()}")
            try:
                cluster_metadata(ports.bootstrap_servers, timeout=2.0)
                return
            except KafkaUnavailable as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise BrokerError(
                        f"the Kafka broker did not answer within {timeout:.0f}s:\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.5)

    def _log_tail(self, lines: int = 20) -> str:
        if not self.log_file.exists():
            return "(no broker.log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
