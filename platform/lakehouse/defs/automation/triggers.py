"""What the sensors that start runs share: a tag naming the trigger, stable run keys, and the check
that keeps a burst of arrivals from queueing one run per tick."""

import hashlib

import dagster as dg

TRIGGER_TAG = "lakehouse/trigger"
UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def run_key(trigger: str, what: str) -> str:
    """The same data to ingest gives the same key: Dagster launches a run key once per sensor."""
    return f"{trigger}-{hashlib.sha256(what.encode()).hexdigest()[:16]}"


def has_unfinished_run(instance: dg.DagsterInstance, trigger: str) -> bool:
    """A run started by `trigger` is still queued or running: it will take what arrived so far when it
    reaches its Bronze step, and whatever it misses is requested once it has finished."""
    return bool(instance.get_runs(filters=dg.RunsFilter(tags={TRIGGER_TAG: trigger}, statuses=UNFINISHED), limit=1))
