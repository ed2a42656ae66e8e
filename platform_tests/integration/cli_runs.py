"""The `lakehouse` CLI run in a fresh process over a LAKEHOUSE_HOME, as `make demo` runs it, watching
which Spark JVMs it starts."""

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from lakehouse.lib.spark.jvms import spark_jvm_pids


class JvmWatcher:
    """Collects the pids of the Spark JVMs below a process while it runs."""

    def __init__(self, process: subprocess.Popen):
        self.root = psutil.Process(process.pid)
        self.pids: set[int] = set()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while self.root.is_running() and self.root.status() != psutil.STATUS_ZOMBIE:
            with contextlib.suppress(psutil.Error):
                self.pids |= spark_jvm_pids(self.root)
            time.sleep(0.2)


def run_cli(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 1500) -> tuple[str, set[int]]:
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "DAGSTER_HOME": str(home), **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "lakehouse.cli", *args],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watcher = JvmWatcher(process)
    output, _ = process.communicate(timeout=timeout)
    (home / f"{args[0]}.log").write_text(output)  # the whole of it, for a failure's diagnosis
    assert process.returncode == 0, output[-3000:]
    return output, watcher.pids
