"""The deployment's processes for tests: the real `dagster-daemon` and `dagster` CLI on the workspace, with
the instance of a DAGSTER_HOME made from deploy/dagster.yaml."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from lakehouse.lib.targets import PROJECT_ROOT

T = TypeVar("T")
WORKSPACE = ["-w", str(PROJECT_ROOT / "workspace.yaml")]


def command(name: str) -> str:
    """A console script of this environment (dagster, dagster-daemon)."""
    return str(Path(sys.executable).parent / name)


def environment(dagster_home: Path, lakehouse_home: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(dagster_home), "LAKEHOUSE_HOME": str(lakehouse_home)}


@contextlib.contextmanager
def running_daemon(dagster_home: Path, lakehouse_home: Path) -> Iterator[subprocess.Popen]:
    """`dagster-daemon run` (run queue, sensors, monitoring, retries), its log in dagster_home/daemon.log."""
    with (dagster_home / "daemon.log").open("w") as log:
        daemon = subprocess.Popen([command("dagster-daemon"), "run", *WORKSPACE],
                                  env=environment(dagster_home, lakehouse_home), cwd=dagster_home,
                                  stdout=subprocess.DEVNULL, stderr=log)  # fmt: skip
        try:
            yield daemon
        finally:
            daemon.send_signal(signal.SIGINT)
            daemon.wait(60)


def launch(dagster_home: Path, lakehouse_home: Path, job: str, tags: str | None = None) -> None:
    """Submit a run of `job` to the instance's queue, as the UI's Launch button does."""
    subprocess.run([command("dagster"), "job", "launch", *WORKSPACE, "-j", job, *(["--tags", tags] if tags else [])],
                   env=environment(dagster_home, lakehouse_home), cwd=dagster_home, capture_output=True,
                   text=True, check=True)  # fmt: skip


def wait_for(condition: Callable[[], T], timeout: float, what: str, daemon: subprocess.Popen | None = None) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert daemon is None or daemon.poll() is None, "the daemon exited; see daemon.log"
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
