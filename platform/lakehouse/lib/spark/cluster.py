"""A real multi-process Spark cluster on this machine: Spark's standalone master and one worker, started
from the pyspark wheel (`bin/spark-class`), on 127.0.0.1 only. Applications submitted to it run their
driver and executors outside the process that submits them, as on EMR or Databricks.

Everything the cluster keeps lives in its home: cluster.json (pids and ports), the daemons' logs and
the worker's folder of applications. `lakehouse cluster stop` finds the cluster another process started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import pyspark

HOST = "127.0.0.1"
SPARK_HOME = Path(pyspark.__file__).parent
MASTER_CLASS, WORKER_CLASS = "org.apache.spark.deploy.master.Master", "org.apache.spark.deploy.worker.Worker"
DAEMON_MEMORY = "512m"


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class ClusterPorts:
    master: int
    master_ui: int
    worker_ui: int

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.master}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LocalSparkCluster:
    """A standalone master and one worker, whose executors share `worker_cores` cores and `worker_memory`."""

    def __init__(self, home: Path, worker_cores: int | None = None, worker_memory: str = "4g"):
        self.home = Path(home).resolve()
        self.worker_cores = worker_cores or os.cpu_count() or 2
        self.worker_memory = worker_memory
        self._state_file = self.home / "cluster.json"

    def _state(self) -> dict:
        return json.loads(self._state_file.read_text()) if self._state_file.exists() else {}

    def ports(self) -> ClusterPorts | None:
        state = self._state()
        return ClusterPorts(**state["ports"]) if "ports" in state else None

    def pids(self) -> dict[str, int]:
        """The running daemons by role (master, worker). A recycled pid is not mistaken for one: its
        command line must run the role's class on this cluster's port."""
        ports, alive = self.ports(), {}
        if ports is None:
            return alive
        identity = {"master": (MASTER_CLASS, ports.master), "worker": (WORKER_CLASS, ports.worker_ui)}
        for role, pid in self._state()["pids"].items():
            main_class, port = identity[role]
            try:
                process = psutil.Process(pid)
                cmdline = process.cmdline()
                if process.status() != psutil.STATUS_ZOMBIE and main_class in cmdline and str(port) in cmdline:
                    alive[role] = pid
            except psutil.Error:
                continue
        return alive

    def master_url(self) -> str | None:
        """Where applications are submitted while the cluster runs."""
        ports = self.ports()
        return ports.master_url if ports and len(self.pids()) == 2 else None

    def status(self) -> dict:
        """The master's own account: its workers, their cores and memory, the applications running."""
        ports = self.ports()
        if not ports or not self.pids():
            return {"status": "STOPPED"}
        with urllib.request.urlopen(f"http://{HOST}:{ports.master_ui}/json/", timeout=5) as response:
            return json.load(response)

    def start(self, timeout: float = 90.0) -> str:
        """Start the master and the worker (a no-op when they run) and return the master URL once the
        worker has registered with it."""
        running = self.master_url()
        if running:
            return running
        self.stop()
        ports = ClusterPorts(_free_port(), _free_port(), _free_port())
        self.home.mkdir(parents=True, exist_ok=True)
        master = self._daemon(
            "master", MASTER_CLASS, "--host", HOST, "--port", str(ports.master), "--webui-port", str(ports.master_ui)
        )
        worker = self._daemon(
            "worker", WORKER_CLASS, ports.master_url, "--host", HOST, "--cores", str(self.worker_cores),
            "--memory", self.worker_memory, "--work-dir", str(self.home / "work"), "--webui-port", str(ports.worker_ui),
        )  # fmt: skip
        self._state_file.write_text(json.dumps({"pids": {"master": master.pid, "worker": worker.pid},
                                                "ports": asdict(ports)}))  # fmt: skip
        self._wait_for_worker((master, worker), timeout)
        return ports.master_url

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM to the worker (it ends its executors) and the master, SIGKILL after `timeout`.
        Returns whether anything was running."""
        pids = self.pids()
        for role in ("worker", "master"):
            if role in pids:
                process = psutil.Process(pids[role])
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except psutil.TimeoutExpired:
                    process.kill()
        return bool(pids)

    def _daemon(self, role: str, main_class: str, *arguments: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOCAL_IP": HOST,
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            # Applications come through spark-submit; the REST submission server's fixed port stays closed.
            "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
            # The executors' Python workers run this interpreter, which has the package and its libraries.
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
        }
        with (self.home / f"{role}.log").open("ab") as log:
            return subprocess.Popen(
                [str(SPARK_HOME / "bin" / "spark-class"), main_class, *arguments],
                cwd=self.home,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Their own session: the cluster outlives the command that started it and ignores its Ctrl-C.
                start_new_session=True,
            )

    def _wait_for_worker(self, daemons: tuple[subprocess.Popen, ...], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Their own exit status, not `pids()`: a daemon's command line reads empty while spark-class execs java.
            if any(daemon.poll() is not None for daemon in daemons):
                self.stop()
                raise ClusterError(f"a Spark daemon exited while starting; see the logs in {self.home}")
            try:
                if any(w.get("state") == "ALIVE" for w in self.status().get("workers", [])):
                    return
            except (OSError, ValueError):
                pass  # the master's web UI is not up yet, or serves its HTML page before its JSON one
            time.sleep(0.5)
        self.stop()
        raise ClusterError(f"the Spark worker did not register with the master in {timeout:.0f} s; see {self.home}")
