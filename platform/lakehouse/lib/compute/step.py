"""A Spark step: the Spark work of one asset step, as a function of a SparkSession and what its run gives
it, yielding what it made. The same function runs in the Dagster process or in any Spark driver (a
cluster, EMR, Databricks); only how its results reach Dagster differs (lakehouse.lib.compute)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import dagster as dg
from pyspark.sql import SparkSession

from lakehouse.lib.partitions import run_days


class StepLog(Protocol):
    def info(self, msg: str) -> Any: ...
    def warning(self, msg: str) -> Any: ...
    def error(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class StepRun:
    """What a step is given by the run it is part of."""

    run_id: str
    log: StepLog
    asset_keys: frozenset[dg.AssetKey]  # the step's assets this run materializes
    check_keys: frozenset[dg.AssetCheckKey]  # the step's checks this run evaluates
    days: tuple[date, date] | None = None  # a run over a range of days (day-partitioned assets)
    config: Mapping[str, Any] = field(default_factory=dict)  # the step's run config
    resources: Mapping[str, Any] = field(default_factory=dict)  # resource key -> resource


@dataclass(frozen=True)
class Materialized:
    asset_key: dg.AssetKey
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class Checked:
    asset_key: dg.AssetKey
    check_name: str
    passed: bool
    metadata: Mapping[str, Any]
    severity: Literal["ERROR", "WARN"] = "ERROR"
    description: str | None = None


@dataclass(frozen=True)
class DaysApplied:
    """The days an unpartitioned run of a day-partitioned asset applied rows to: each is recorded as a
    materialization of that day, so the catalog and the automation downstream see it."""

    asset_key: dg.AssetKey
    days: Sequence[str]
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class Reported:
    """What a step that makes no asset (an op's, such as lake maintenance) reports: its output's metadata."""

    metadata: Mapping[str, Any]


StepResult = Materialized | Checked | DaysApplied | Reported


@dataclass(frozen=True)
class SparkStep:
    """A named Spark step. A remote driver finds it by name after importing `module`, the module that
    defines it (and so registers it: `spark_step`)."""

    name: str
    run: Callable[[SparkSession, StepRun], Iterator[StepResult]]
    module: str


_REGISTRY: dict[str, SparkStep] = {}


def spark_step(name: str, run: Callable[[SparkSession, StepRun], Iterator[StepResult]], module: str) -> SparkStep:
    """Registers `run` as the step `name`, made when `module` (the caller's `__name__`) is imported: a remote
    driver imports it to find the step, so steps are made at import, not inside a `defs()` function."""
    step = _REGISTRY[name] = SparkStep(name, run, module)
    return step


def registered_steps() -> dict[str, SparkStep]:
    """Every step registered by the modules imported so far."""
    return dict(_REGISTRY)


def registered_step(name: str, module: str) -> SparkStep:
    """The step `name`, registered by importing `module`."""
    importlib.import_module(module)
    return _REGISTRY[name]


def step_run_fields(context: dg.AssetExecutionContext | dg.OpExecutionContext, config: Mapping[str, Any]) -> dict:
    """What a run gives its step, as plain values (a remote driver gets them as Pipes extras)."""
    is_asset = context.has_assets_def
    days = run_days(context) if is_asset else None
    return {
        "run_id": context.run.run_id,
        "asset_keys": sorted(k.to_user_string() for k in context.selected_asset_keys) if is_asset else [],
        "check_keys": sorted(k.to_user_string() for k in context.selected_asset_check_keys) if is_asset else [],
        "days": [d.isoformat() for d in days] if days else None,
        "config": dict(config),
    }


def step_run(fields: Mapping[str, Any], log: StepLog, resources: Mapping[str, Any]) -> StepRun:
    days = fields["days"]
    return StepRun(
        run_id=fields["run_id"],
        log=log,
        asset_keys=frozenset(dg.AssetKey.from_user_string(k) for k in fields["asset_keys"]),
        check_keys=frozenset(dg.AssetCheckKey.from_user_string(k) for k in fields["check_keys"]),
        days=(date.fromisoformat(days[0]), date.fromisoformat(days[1])) if days else None,
        config=fields["config"],
        resources=resources,
    )
