"""Fixtures of the Gold tests: a LAKEHOUSE_HOME holding the hand-made Silver of handmade_silver.py."""

from pathlib import Path

import pytest
from handmade_silver import write_all


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
