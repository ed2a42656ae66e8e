"""A real PostgreSQL server on 127.0.0.1 for the module's tests, and a Dagster home on it made from
deploy/dagster.yaml."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lakehouse.lib.postgres.server import PostgresServer
from lakehouse.lib.targets import PROJECT_ROOT


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> Iterator[PostgresServer]:
    """The server, removed with its data afterwards."""
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres(postgres_server, request) -> dict[str, str]:
    """The environment (DAGSTER_PG_*) of a database of the test's own."""
    return postgres_server.create_database(f"test_{abs(hash(request.node.nodeid)):x}")


@pytest.fixture
def deployment_home(tmp_path, postgres, monkeypatch) -> Path:
    """DAGSTER_HOME with the deployment's instance file, its database reached through the environment."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    return home
