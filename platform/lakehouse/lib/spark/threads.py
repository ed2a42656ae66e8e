"""Calls that share one Spark session side by side, in threads, and stop with the step that waits for them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from pyspark.sql import SparkSession
from pyspark.util import inheritable_thread_target

T = TypeVar("T")
CANCEL_EVERY_S = 0.5


def side_by_side(spark: SparkSession, calls: Sequence[Callable[[], T]]) -> list[Future[T]]:
    """Runs `calls` in threads of their own and waits for all of them; their outcomes, in order.

    The threads carry the caller's Spark properties (a step's job group and description). Should the
    wait be interrupted (a run's termination raises in the step's main thread), the Spark jobs the
    calls start are cancelled until the calls have ended, before the interruption goes on: otherwise
    they would keep the cores busy, and the run's process alive, until their work was done.
    """
    if not calls:
        return []
    context = spark.sparkContext
    tag = f"lakehouse-side-by-side-{uuid.uuid4().hex}"
    context.addJobTag(tag)  # before the calls are wrapped: the wrapper copies the properties, tags included
    try:
        pool = ThreadPoolExecutor(len(calls))
        futures = [pool.submit(inheritable_thread_target(spark)(call)) for call in calls]
        try:
            pool.shutdown(wait=True)
        except BaseException:
            # Until every call has ended at a cancelled job: a call may be between two jobs, or planning one.
            while True:
                context.cancelJobsWithTag(tag)
                if not wait(futures, timeout=CANCEL_EVERY_S).not_done:
                    break
            raise
        return futures
    finally:
        context.removeJobTag(tag)
