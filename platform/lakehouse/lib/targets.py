"""The deployment target switch: `LAKEHOUSE_TARGET` picks the resource set the graph runs with.

Asset code only names resource keys (`spark`, `storage`, `io_manager`, ...); which Spark and which
storage root stand behind them is decided here, by configuration alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dagster_pyspark import LazyPySparkResource

import lakehouse
from lakehouse.lib.delta_io_manager import DeltaIOManager
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage

PROJECT_ROOT = Path(lakehouse.__file__).resolve().parents[2]
DEFAULT_TARGET = "local"


class UnknownTargetError(ValueError):
    pass


def local_state_dir() -> Path:
    """Where the local target keeps everything it writes (tables, Spark scratch); git-ignored."""
    return Path(os.environ.get("LAKEHOUSE_HOME", PROJECT_ROOT / ".lakehouse")).resolve()


def local_resources() -> dict[str, Any]:
    state = local_state_dir()
    root_uri = os.environ.get("LAKEHOUSE_ROOT") or (state / "data").as_uri()
    spark = LazyPySparkResource(spark_config=local_spark_config(state / "spark"))
    storage = LakehouseStorage(root_uri=root_uri)
    return {
        "spark": spark,
        "storage": storage,
        "io_manager": DeltaIOManager(storage=storage, spark=spark),
        "fx_api": FxRatesApi(base_url=os.environ.get("LAKEHOUSE_FX_API_URL")),
    }


TARGETS: dict[str, Callable[[], dict[str, Any]]] = {"local": local_resources}


def current_target() -> str:
    return os.environ.get("LAKEHOUSE_TARGET", DEFAULT_TARGET).strip().lower()


def resources_for_target(target: str | None = None) -> dict[str, Any]:
    target = target or current_target()
    if target not in TARGETS:
        raise UnknownTargetError(
            f"LAKEHOUSE_TARGET={target!r} is not available; choose one of: {', '.join(sorted(TARGETS))}"
        )
    return TARGETS[target]()
