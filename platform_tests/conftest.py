"""Shared fixtures: one real local Spark session (one JVM) for the whole test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_pyspark import LazyPySparkResource

from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.spark.cluster import LocalSparkCluster
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.sources.fx_api import serve_fx_api

# The longest modules start first, one per worker of `make test` (two pytest-xdist workers, with
# --no-loadscope-reorder so they are handed out in this order): a long module begun last runs on
# alone after the other worker has finished everything else.
LONGEST_FIRST = ("integration/test_silver_run.py", "integration/test_local_cluster_run.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.path.relative_to(Path(__file__).parent).as_posix()
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: every other test keeps its place


os.environ.setdefault("LAKEHOUSE_SHUFFLE_PARTITIONS", "2")
os.environ.setdefault("LAKEHOUSE_SPARK_DRIVER_MEMORY", "2g")


@pytest.fixture(scope="session")
def spark_resource(tmp_path_factory) -> LazyPySparkResource:
    return LazyPySparkResource(spark_config=local_spark_config(tmp_path_factory.mktemp("spark")))


@pytest.fixture(scope="session")
def spark(spark_resource):
    session = spark_resource.spark_session
    session.sparkContext.setLogLevel("ERROR")
    return session


@pytest.fixture(scope="session")
def sample_fx_api() -> Iterator[FxRatesApi]:
    """The FX rates resource, reading the sample API served on 127.0.0.1 for the test session."""
    with serve_fx_api() as server:
        yield FxRatesApi(base_url=server.base_url, page_size=500)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory) -> Iterator[LocalSparkCluster]:
    """A Spark standalone cluster (master and worker JVMs on 127.0.0.1) for the session's tests."""
    cluster = LocalSparkCluster(tmp_path_factory.mktemp("spark_cluster"), worker_memory="2g")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def lake_root(tmp_path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    return root


@pytest.fixture
def storage(lake_root) -> LakehouseStorage:
    return LakehouseStorage(root_uri=lake_root.as_uri())
