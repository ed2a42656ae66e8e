"""A step's Spark application as a local process (spark-submit) in a Dagster Pipes session.

Written on Dagster's Pipes session rather than with PipesSubprocessClient, for two things it does not
do: a failure is raised with the remote error's message (the client says only "failed with code 1"),
and a terminated run ends the whole process tree (spark-submit's JVM and the Python driver below it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import psutil

ERROR_MESSAGE, STARTED_MESSAGE = "error", "started"
TERMINATION_GRACE_S = 20


@dataclass(frozen=True)
class RemoteRun:
    results: Sequence[dg.MaterializeResult | dg.AssetCheckResult]
    messages: Sequence[Mapping[str, Any]]  # the step's custom messages
    launch_s: float | None  # from the submit to the step's first line of work (session up)
    total_s: float


def run_pipes_process(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    command: Sequence[str],
    *,
    extras: Mapping[str, Any],
    env: Mapping[str, str],
) -> RemoteRun:
    submitted, submitted_at = time.monotonic(), time.time()
    with dg.open_pipes_session(
        context=context,
        context_injector=dg.PipesTempFileContextInjector(),
        message_reader=dg.PipesTempFileMessageReader(),
        extras=extras,
    ) as session:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env, **session.get_bootstrap_env_vars()},
            start_new_session=True,  # its own process group: terminating the run ends all of it
        )
        try:
            returncode = process.wait()
        except dg.DagsterExecutionInterruptedError:
            context.log.info("run terminated: ending the Spark application")
            _end_process_tree(process)
            raise
    total_s = time.monotonic() - submitted
    messages = [m for m in session.get_custom_messages() if isinstance(m, Mapping)]
    if returncode != 0:
        raise _failure(messages, returncode)
    started = next((m[STARTED_MESSAGE] for m in messages if STARTED_MESSAGE in m), None)
    launch_s = started - submitted_at if started is not None else None
    return RemoteRun(session.get_results(), messages, launch_s, total_s)


def _failure(messages: Sequence[Mapping[str, Any]], returncode: int) -> dg.Failure:
    error = next((m[ERROR_MESSAGE] for m in messages if ERROR_MESSAGE in m), None)
    if error is None:
        return dg.Failure(f"the Spark application exited with code {returncode} before reporting an error")
    return dg.Failure(
        description=f"{error['type']}: {error['message']}",
        metadata={"remote_traceback": dg.MetadataValue.md(f"```\n{error['traceback']}\n```")},
    )


def _end_process_tree(process: subprocess.Popen) -> None:
    """SIGTERM to the application's process group (the JVM stops its SparkContext, the cluster its
    executors), SIGKILL to whatever is left after the grace period."""
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(TERMINATION_GRACE_S)
    for leftover in psutil.process_iter():
        try:
            if os.getpgid(leftover.pid) == group:
                leftover.kill()
        except (psutil.Error, ProcessLookupError):
            continue
