"""The Gold dbt project (`dbt/` at the repository root): which target runs it and what it is told.

dbt gets every location as `--vars` taken from the platform's settings, so neither SQL nor profiles
name a path: the storage root (Silver is read below it), the DuckDB file of the local default, and
for dbt-spark's `session` method the same Spark settings the platform's own Spark runs with.
"""

import json
import sys
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject

from lakehouse.lib.branches import current_branch_deployment
from lakehouse.lib.spark.session import local_spark_config
from lakehouse.lib.targets import PROJECT_ROOT, dbt_target, local_state_dir, resources_for_target

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
HAND_RUN_TARGET_PATH = Path("target", "cli")
# This environment's dbt, whether or not its bin folder is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def duckdb_path(state_dir: Path) -> Path:
    """The local default's DuckDB warehouse; a branch deployment builds its Gold in a file of its own."""
    branch = current_branch_deployment()
    return (state_dir if branch is None else state_dir / "branches" / branch.folder) / "warehouse.duckdb"


def dbt_vars(target: str, lake_root: str, state_dir: Path) -> dict[str, Any]:
    """The `--vars` of one dbt invocation on `target`, for the lakehouse at `lake_root`."""
    variables: dict[str, Any] = {"lake_root": lake_root}
    if target == "duckdb":
        variables["duckdb_path"] = str(duckdb_path(state_dir))
        duckdb_path(state_dir).parent.mkdir(parents=True, exist_ok=True)
    elif target == "spark":
        # dbt-spark's session starts a JVM of its own: its own scratch folder, and a catalog that
        # lives as long as the session (Silver is registered on every run, so nothing goes stale).
        variables["spark_conf"] = {
            **local_spark_config(state_dir / "spark-dbt"),
            "spark.app.name": "lakehouse-dbt",
            "spark.sql.catalogImplementation": "in-memory",
        }
    return variables


def local_lake_root() -> str:
    """The storage root of the deployment LAKEHOUSE_TARGET selects."""
    return resources_for_target()["storage"].root_uri


def gold_project() -> DbtProject:
    # dbt's default artifacts folder: dagster-dbt seeds each run's own target folder with the
    # partial_parse.msgpack it finds there, so a run does not parse the project again. dbt run by
    # hand (`dbt_cli`) writes to HAND_RUN_TARGET_PATH instead and leaves this manifest alone.
    return DbtProject(project_dir=DBT_PROJECT_DIR, target=dbt_target())


def prepare(project: DbtProject, state_dir: Path) -> None:
    """`dbt parse`: the manifest the asset definitions are built from (`make install` runs this)."""
    variables = dbt_vars(project.target, local_lake_root(), state_dir)
    dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
    dbt.cli(["parse", "--quiet", "--vars", json.dumps(variables)], target_path=project.target_path).wait()


def prepared_gold_project(state_dir: Path) -> DbtProject:
    """The project, parsed again only when its manifest is missing or older than a dbt file (models
    change while `dagster dev` runs). Every process that loads the code location, each run included,
    comes through here, so an up-to-date manifest must cost nothing."""
    project = gold_project()
    if _manifest_is_stale(project):
        prepare(project, state_dir)
    return project


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    artifacts = DBT_PROJECT_DIR / "target"
    return any(
        path.stat().st_mtime > parsed_at
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml") and artifacts not in path.parents
    )


if __name__ == "__main__":
    prepare(gold_project(), local_state_dir())
