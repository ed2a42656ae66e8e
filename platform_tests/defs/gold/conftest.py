"""Fixtures of the Gold tests: a LAKEHOUSE_HOME holding the hand-made Silver of handmade_silver.py,
and the resources Gold assets run with over it."""

from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource
from handmade_silver import write_all

from lakehouse.defs.gold.dbt_models import GOLD_PROJECT
from lakehouse.defs.gold.project import DBT_EXECUTABLE
from lakehouse.lib.storage import LakehouseStorage


@pytest.fixture(scope="module")
def lakehouse_home(tmp_path_factory) -> Path:
    """A LAKEHOUSE_HOME whose data/silver holds the hand-made tables; Gold goes below it too."""
    home = tmp_path_factory.mktemp("gold_home")
    write_all(home / "data")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(home))
        env.delenv("LAKEHOUSE_ROOT", raising=False)
        env.delenv("LAKEHOUSE_DBT_TARGET", raising=False)
        yield home


@pytest.fixture(scope="module")
def resources(lakehouse_home):
    return {
        "dbt": DbtCliResource(project_dir=GOLD_PROJECT, dbt_executable=DBT_EXECUTABLE),
        "storage": LakehouseStorage(root_uri=(lakehouse_home / "data").as_uri()),
    }
