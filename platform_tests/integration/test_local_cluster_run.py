"""The README's main job on LAKEHOUSE_TARGET=local-cluster: every Spark step an application on a real
standalone cluster, reporting through Dagster Pipes, gives the tables an in-process run gives from the same
sources (compared with delta-rs and DuckDB, ignoring only ingestion times, run ids and file locations). A
backfill of a range of days is one application."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from cli_runs import run_cli
from deltalake import DeltaTable

from lakehouse.defs.analyst.masked_tables import MASKED_TABLES
from lakehouse.defs.bronze.feeds import FILE_FEEDS
from lakehouse.defs.maintenance.table_maintenance import lake_maintenance
from lakehouse.defs.silver.tables import SILVER_STEPS, step_name
from lakehouse.lib.maintenance import delta_tables_under
from lakehouse.lib.spark.cluster import LocalSparkCluster
from lakehouse.lib.targets import PROJECT_ROOT, TARGETS
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
SCALE = 1_000
# Secrets as a deployment's environment holds them: none may reach a file a run writes.
SECRETS = {
    "LAKEHOUSE_PII_SALT": "the same salt for both runs",
    "AWS_SECRET_ACCESS_KEY": "dummy-aws-secret-access-key-for-the-leak-test",  # pragma: allowlist secret
    "AZURE_CLIENT_SECRET": "dummy-azure-client-secret-for-the-leak-test",  # pragma: allowlist secret
    "DATABRICKS_TOKEN": "dummy-databricks-token-for-the-leak-test",
    "DAGSTER_CLOUD_API_TOKEN": "dummy-dagster-cloud-token-for-the-leak-test",
}
# What differs between two runs of the same sources: when and by which run, and where the files were.
VOLATILE = {"_ingested_at", "_batch_id", "_quarantined_at", "recorded_at", "file_modified_at", "modified_at",
            "run_id", "started_at", "finished_at", "duration_s"}  # fmt: skip
# Tables fed by snapshots, which carry no sequence of their own: theirs is when their file was written or ingested.
SNAPSHOT_TABLES = {"stores", "suppliers", "fx_rates", "invoice_documents"}
INGESTION_SEQUENCED = {"_sequence", "_event_ts"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    homes = {}
    for target in ("local", "local-cluster"):
        home = homes[target] = tmp_path_factory.mktemp(target)
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
        generate_landing(home / "data", scale=SCALE)
    cluster = LocalSparkCluster(homes["local-cluster"] / "spark-cluster", worker_memory="3g")
    cluster.start()
    try:
        outputs = {
            target: run_cli(home, "materialize", env={**SECRETS, "LAKEHOUSE_TARGET": target}, timeout=3000)[0]
            for target, home in homes.items()
        }
        applications = [app["name"] for app in cluster.status()["completedapps"]]
        yield homes, outputs, applications, cluster
    finally:
        cluster.stop()


@pytest.mark.timeout(3600)
def test_every_spark_step_of_the_main_job_ran_as_an_application_on_the_cluster(runs):
    _, outputs, applications, _ = runs
    assert all("succeeded" in output for output in outputs.values())
    # One application per step, its checks evaluated in it; the Kafka feeds had no broker to read.
    steps = [f"bronze/{feed.name}" for feed in FILE_FEEDS] + ["bronze/fx_rates"]
    steps += [step_name(step) for step in SILVER_STEPS] + [f"analyst/{table.name}" for table in MASKED_TABLES]
    assert sorted(applications) == sorted(steps)


def test_the_cluster_run_writes_the_tables_of_an_in_process_run(runs):
    homes, _, _, _ = runs
    local, remote = (homes[t] / "data" for t in ("local", "local-cluster"))
    tables = sorted(uri.removeprefix(local.as_uri()).strip("/") for uri in delta_tables_under(local.as_uri()))
    assert len(tables) > 30
    assert sorted(u.removeprefix(remote.as_uri()).strip("/") for u in delta_tables_under(remote.as_uri())) == tables
    different = [table for table in tables if _contents(local, table) != _contents(remote, table)]
    assert different == []
    warehouses = [
        duckdb.connect(str(homes[t] / "warehouse.duckdb"), read_only=True) for t in ("local", "local-cluster")
    ]
    listed = "select table_name from duckdb_tables() where schema_name = 'gold'"
    marts = [name for (name,) in warehouses[0].sql(listed).fetchall()]
    assert marts and all(_mart(warehouses[0], m) == _mart(warehouses[1], m) for m in marts)


def _contents(root: Path, table: str) -> list[str]:
    path = root / table
    if "_system/checkpoints" in table or path.name == "table_events":
        return []  # stream checkpoints and the event log's times and versions differ by nature
    rows = DeltaTable(str(path)).to_pyarrow_table().to_pylist()
    volatile = VOLATILE | (INGESTION_SEQUENCED if path.name in SNAPSHOT_TABLES else set())
    return sorted(repr({k: _located(v, root) for k, v in row.items() if k not in volatile}) for row in rows)


def _located(value, root: Path):
    """A file's name instead of its location, the lake's root taken out of messages that name a file."""
    if not isinstance(value, str):
        return value
    return value.replace(str(root), "<lake>")


def _mart(db, name: str) -> list[str]:
    return sorted(map(repr, db.sql(f"select * from gold.{name}").fetchall()))


def test_a_backfill_of_days_is_one_application(runs):
    homes, _, before, cluster = runs
    home = homes["local-cluster"]
    output, _ = run_cli(home, "materialize", "--select", "key:silver/clickstream_events",
                        "--partition-range", "2026-01-05...2026-01-06",
                        env={**SECRETS, "LAKEHOUSE_TARGET": "local-cluster"})  # fmt: skip
    assert "succeeded" in output
    after = [app["name"] for app in cluster.status()["completedapps"]]
    assert after.count("silver__clickstream_events") == before.count("silver__clickstream_events") + 1


def test_lake_maintenance_runs_as_an_application_on_the_cluster(runs, tmp_path, monkeypatch):
    homes, _, before, cluster = runs
    # Two of the run's tables in a lake of their own: maintaining all of them is tested in process.
    for table in ("bronze/fx_rates", "silver/orders"):
        shutil.copytree(homes["local-cluster"] / "data" / table, tmp_path / "data" / table)
    monkeypatch.setenv("LAKEHOUSE_HOME", str(homes["local-cluster"]))
    monkeypatch.setenv("LAKEHOUSE_ROOT", (tmp_path / "data").as_uri())
    resources = TARGETS["local-cluster"]()
    result = lake_maintenance.execute_in_process(resources=resources)
    assert result.success
    [output] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_OUTPUT]
    assert output.event_specific_data.metadata["tables"].value == 2
    assert "silver/orders" in output.event_specific_data.metadata["maintained"].value
    after = [app["name"] for app in cluster.status()["completedapps"]]
    assert after.count("maintenance/delta_tables") == before.count("maintenance/delta_tables") + 1


def test_no_secret_in_the_environment_reaches_the_event_log_the_logs_or_the_tables(runs):
    """On the cluster, secrets travel in the driver's environment, never as Pipes extras or Spark settings."""
    homes, _, _, _ = runs
    secrets = [value.encode() for value in SECRETS.values()]
    for home in homes.values():
        written = [path for path in home.rglob("*") if path.is_file()]
        assert any(p.name.endswith(".db") for p in written) and any(p.suffix == ".parquet" for p in written)
        assert any(p.name == "materialize.log" for p in written)  # the run's whole output
        assert [(path, secret) for path in written for secret in secrets if secret in path.read_bytes()] == []
