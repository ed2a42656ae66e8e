"""`python -m lakehouse.defs.gold.dbt_cli`: what it adds to a hand-run dbt command, and what it leaves to the user."""

import json

import pytest

from lakehouse.defs.gold import dbt_cli


@pytest.fixture
def commands(monkeypatch):
    ran = []
    monkeypatch.setattr(dbt_cli.subprocess, "call", lambda command, cwd: ran.append(command) or 0)
    monkeypatch.delenv("LAKEHOUSE_DBT_TARGET", raising=False)
    return ran


def option(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_a_hand_run_gets_the_default_target_its_own_artifacts_folder_and_the_locations(commands):
    dbt_cli.main(["build", "--select", "kpi_daily"])
    [command] = commands
    assert command[1:4] == ["build", "--select", "kpi_daily"]
    assert option(command, "--target") == "duckdb"
    assert option(command, "--target-path") == "target/cli"  # the Dagster manifest in target/ stays as parsed
    assert {"lake_root", "duckdb_path"} <= set(json.loads(option(command, "--vars")))


def test_options_the_user_gives_are_not_overridden(commands):
    dbt_cli.main(["build", "--target", "spark", "--target-path", "/tmp/elsewhere"])
    [command] = commands
    assert command.count("--target") == 1 and option(command, "--target") == "spark"
    assert command.count("--target-path") == 1 and option(command, "--target-path") == "/tmp/elsewhere"
    assert "spark_conf" in json.loads(option(command, "--vars"))
