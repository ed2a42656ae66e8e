"""Shared fixtures: one real local Spark session (one JVM) for the whole test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster_pyspark import LazyPySparkResource

from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.storage import LakehouseStorage

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


@pytest.fixture
def lake_root(tmp_path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    return root


@pytest.fixture
def storage(lake_root) -> LakehouseStorage:
    return LakehouseStorage(root_uri=lake_root.as_uri())
