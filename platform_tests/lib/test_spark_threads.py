"""Calls side by side on one Spark session: they carry the caller's Spark properties, and an
interrupted wait (how a run's termination reaches a step) cancels their Spark jobs."""

import signal
import threading

import pytest

from lakehouse.lib.spark.threads import side_by_side


class Interrupted(Exception):
    """Raised by a signal handler, as Dagster raises a run's termination in the step's main thread."""


def test_the_calls_run_with_the_callers_spark_properties_and_give_their_outcomes_in_order(spark):
    context = spark.sparkContext
    context.setLocalProperty("lakehouse.test.caller", "step")
    try:
        outcomes = side_by_side(
            spark,
            [
                lambda: context.getLocalProperty("lakehouse.test.caller"),
                lambda: spark.range(10).count(),
                lambda: 1 / 0,
            ],
        )
    finally:
        context.setLocalProperty("lakehouse.test.caller", None)
    assert [f.result() for f in outcomes[:2]] == ["step", 10]
    assert isinstance(outcomes[2].exception(), ZeroDivisionError)
    assert not context.getJobTags()  # the calls' tag is gone with them


def test_an_interrupted_wait_cancels_the_spark_jobs_of_the_calls(spark):
    started, outcome = threading.Event(), {}

    def long_job():
        started.set()
        try:  # tens of seconds on two cores, unless it is cancelled
            spark.range(0, 10**10, numPartitions=2).where("id % 7 = 3").count()
            outcome["long job"] = "finished"
        except Exception as error:
            outcome["long job"] = str(error)

    def interrupt(_signo, _frame):
        raise Interrupted()

    def interrupt_once_started():
        started.wait()
        signal.setitimer(signal.ITIMER_REAL, 2)

    previous = signal.signal(signal.SIGALRM, interrupt)
    threading.Thread(target=interrupt_once_started).start()
    try:
        with pytest.raises(Interrupted):
            side_by_side(spark, [long_job, lambda: spark.range(5).count()])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert "cancelled" in outcome["long job"].lower()
    assert spark.sparkContext.statusTracker().getActiveJobsIds() == []
    assert not spark.sparkContext.getJobTags()
