"""The README's main job on LAKEHOUSE_TARGET=local-cluster: each Spark step an application on a real
standalone cluster, reporting through Dagster Pipes, gives the tables an in-process run gives from the same
sources (compared with delta-rs, ignoring only ingestion times, run ids and file locations). The runs take a
slice of the job with a step of each kind (every step is found by a remote driver: test_step_registry). A
backfill of a range of days is one application."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
from cli_runs import run_cli
from deltalake import DeltaTable

from lakehouse.defs.maintenance.table_maintenance import lake_maintenance
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
# A step of each kind: file feeds of a text, a binary and a jar-read format, the API feed, a CDC and SCD2 Silver
# step, a day-partitioned one and a masked analyst table; then the slice's steps, as its applications are named.
SLICE = ('+key:"analyst/customers" or +key:"silver/clickstream_events" or key:"bronze/erp_suppliers" '
         'or key:"bronze/doc_invoices" or key:"bronze/fx_rates"')  # fmt: skip
SLICE_STEPS = ["bronze/crm_customers", "bronze/crm_customer_changes", "silver__customers", "analyst/customers",
               "bronze/web_clickstream", "silver__clickstream_events", "bronze/erp_suppliers", "bronze/doc_invoices",
               "bronze/fx_rates"]  # fmt: skip


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
            target: run_cli(home, "materialize", "--select", SLICE, env={**SECRETS, "LAKEHOUSE_TARGET": target})[0]
            for target, home in homes.items()
        }
        applications = [app["name"] for app in cluster.status()["completedapps"]]
        yield homes, outputs, applications, cluster
    finally:
        cluster.stop()


@pytest.mark.timeout(3600)
def test_each_spark_step_of_the_run_ran_as_an_application_on_the_cluster(runs):
    _, outputs, applications, _ = runs
    assert all("succeeded" in output for output in outputs.values())
    # One application per step, its checks evaluated in it.
    assert sorted(applications) == sorted(SLICE_STEPS)


def test_the_cluster_run_writes_the_tables_of_an_in_process_run(runs):
    homes, _, _, _ = runs
    local, remote = (homes[t] / "data" for t in ("local", "local-cluster"))
    tables = sorted(uri.removeprefix(local.as_uri()).strip("/") for uri in delta_tables_under(local.as_uri()))
    made = {"bronze/erp_suppliers", "silver/customers", "analyst/customers", "silver/clickstream_events"}
    assert made <= set(tables)
    assert sorted(u.removeprefix(remote.as_uri()).strip("/") for u in delta_tables_under(remote.as_uri())) == tables
    different = [table for table in tables if _contents(local, table) != _contents(remote, table)]
    assert different == []


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
    for table in ("bronze/fx_rates", "silver/customers"):
        shutil.copytree(homes["local-cluster"] / "data" / table, tmp_path / "data" / table)
    monkeypatch.setenv("LAKEHOUSE_HOME", str(homes["local-cluster"]))
    monkeypatch.setenv("LAKEHOUSE_ROOT", (tmp_path / "data").as_uri())
    resources = TARGETS["local-cluster"]()
    result = lake_maintenance.execute_in_process(resources=resources)
    assert result.success
    [output] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_OUTPUT]
    assert output.event_specific_data.metadata["tables"].value == 2
    assert "silver/customers" in output.event_specific_data.metadata["maintained"].value
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
