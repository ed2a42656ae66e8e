"""The deployment target switch: `LAKEHOUSE_TARGET` picks the resource set the graph runs with.

Asset code only names resource keys (`spark`, `storage`, `fx_api`, ...); which Spark and which
storage root stand behind them is decided here, by configuration alone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_pyspark import LazyPySparkResource

import lakehouse
from lakehouse.lib.branches import storage_for_deployment
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.compute.spark_submit import LocalClusterCompute
from lakehouse.lib.fx_rates_api import URL_ENV as FX_API_URL_ENV
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.kafka.cluster import BOOTSTRAP_ENV, KafkaCluster, local_broker
from lakehouse.lib.quality.pii import SALT_ENV, PiiMasking
from lakehouse.lib.spark.cluster import LocalSparkCluster
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage

PROJECT_ROOT = Path(lakehouse.__file__).resolve().parents[2]
DEFAULT_TARGET = "local"
DBT_TARGET_ENV, DEFAULT_DBT_TARGET = "LAKEHOUSE_DBT_TARGET", "duckdb"


class UnknownTargetError(ValueError):
    pass


def local_state_dir() -> Path:
    """Where the local target keeps everything it writes (tables, Spark scratch); git-ignored."""
    return Path(os.environ.get("LAKEHOUSE_HOME", PROJECT_ROOT / ".lakehouse")).resolve()


def local_resources() -> dict[str, Any]:
    """Everything on this machine: Spark in the run's process, Delta below LAKEHOUSE_ROOT (default: the state dir)."""
    state = local_state_dir()
    root_uri = os.environ.get("LAKEHOUSE_ROOT") or (state / "data").as_uri()
    spark = LazyPySparkResource(spark_config=local_spark_config(state / "spark"))
    storage = LakehouseStorage(root_uri=root_uri)
    return {
        **in_process_spark(spark),
        "storage": storage,
        "fx_api": FxRatesApi(base_url=os.environ.get(FX_API_URL_ENV)),
        "kafka": local_kafka_cluster(state),
        "pii": PiiMasking(salt=dg.EnvVar(SALT_ENV) if os.environ.get(SALT_ENV) else local_pii_salt(state)),
    }


def local_kafka_cluster(state: Path | None = None) -> KafkaCluster:
    """The local target's cluster: LAKEHOUSE_KAFKA_BOOTSTRAP if set, else the broker of `lakehouse kafka start`."""
    broker = local_broker(state or local_state_dir())
    return KafkaCluster(bootstrap_servers=os.environ.get(BOOTSTRAP_ENV), local_broker_home=str(broker.home))


def local_spark_cluster() -> LocalSparkCluster:
    """The Spark standalone cluster of `lakehouse cluster start` (state in <LAKEHOUSE_HOME>/spark-cluster)."""
    return LocalSparkCluster(local_state_dir() / "spark-cluster")


def dbt_target() -> str:
    """The Gold dbt project's target (a profile in dbt/profiles.yml): duckdb (default), spark, databricks, ..."""
    return os.environ.get(DBT_TARGET_ENV, DEFAULT_DBT_TARGET)


def local_pii_salt(state: Path) -> str:
    """A random salt made once per local installation and kept beside its data (readable by its owner only)."""
    path = state / "pii_salt"
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        # Written to a private draft, then linked into place: a concurrent reader never sees half a
        # salt, and when two processes race, the first link wins for both.
        draft = path.with_suffix(f".{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def local_cluster_resources() -> dict[str, Any]:
    """The local target with every Spark step submitted to the local standalone cluster (`lakehouse
    cluster start`) as an application of its own: driver and executors outside the Dagster process."""
    state = local_state_dir()
    conf = {key: value for key, value in local_spark_config(state / "spark").items() if key != "spark.master"}
    compute = LocalClusterCompute(
        cluster_home=str(local_spark_cluster().home),
        spark_conf={**conf, "spark.driver.memory": "2g", "spark.executor.memory": "2g"},
        package_dir=str(state / "packages"),
    )
    return {**local_resources(), "compute": compute}


TARGETS: dict[str, Callable[[], dict[str, Any]]] = {"local": local_resources, "local-cluster": local_cluster_resources}


def current_target() -> str:
    return os.environ.get("LAKEHOUSE_TARGET", DEFAULT_TARGET).strip().lower()


def resources_for_target(target: str | None = None) -> dict[str, Any]:
    target = target or current_target()
    if target not in TARGETS:
        raise UnknownTargetError(
            f"LAKEHOUSE_TARGET={target!r} is not available; choose one of: {', '.join(sorted(TARGETS))}"
        )
    resources = TARGETS[target]()
    return {**resources, "storage": storage_for_deployment(resources["storage"])}
