"""A branch deployment's lake, with the variables Dagster+ sets in one: production's tables shallow-cloned,
branch runs (Bronze, Silver, Gold on DuckDB) writing only below the branch root, production untouched,
and the lake dropped when the pull request closes. Real Spark, Delta, delta-rs and dbt."""

import dagster as dg
import deltalake
import pytest

from in_process import in_process_job
from lakehouse.definitions import defs
from lakehouse.defs.branches.branch_lakes import branch_lake_cleanup, branch_lake_clone
from lakehouse.defs.gold.project import duckdb_path
from lakehouse.lib.branch_lake import clone_record
from lakehouse.lib.branches import storage_for_deployment
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.maintenance import delta_tables_under
from lakehouse.lib.quality.pii import PiiMasking
from lakehouse.lib.storage import LakehouseStorage, local_path, write_bytes
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
SCALE = 1_000  # the generator's least
# A slice of the graph through Gold on DuckDB: CRM's files -> Silver customers and customer_history ->
# dim_customer (whose reconciliation check reads Silver customers).
THROUGH_GOLD = '(+key:"gold/dim_customer" or key:"silver/customers") and not kind:kafka'
HISTORY = ("silver", "customer_history")
BRANCH = {
    "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
    "DAGSTER_CLOUD_DEPLOYMENT_NAME": "better-orders-4f2a",
    "DAGSTER_CLOUD_GIT_BRANCH": "feature/Better-Orders",
    "DAGSTER_CLOUD_PULL_REQUEST_ID": "42",
}


@pytest.fixture(scope="module")
def lakehouse(tmp_path_factory, spark_resource, sample_fx_api):
    """A production lake through Gold, and a runner of selections and jobs on any storage."""
    home = tmp_path_factory.mktemp("branch_home")
    production = LakehouseStorage(root_uri=(home / "production").as_uri())
    definitions = defs()

    def run(storage: LakehouseStorage, selection: str | None = None, job=None, config: dict | None = None):
        resources = {
            **definitions.resources,
            **in_process_spark(spark_resource),
            "storage": storage,
            "fx_api": sample_fx_api,
            "pii": PiiMasking(salt="test-salt"),
        }
        job = in_process_job(definitions, resources, job or dg.define_asset_job("branch_test", selection=selection))
        return job.execute_in_process(run_config=config, raise_on_error=False)

    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(home))
        generate_landing(local_path(production.root_uri), scale=SCALE)
        assert run(production, THROUGH_GOLD).success
        # Where a Kafka stream has got to, as Structured Streaming keeps it: plain files, copied to a branch.
        write_bytes(
            production.system_uri("checkpoints", "bronze", "kafka_orders", "offsets", "7"), b'{"orders":{"0":42}}'
        )
        yield home, production, run


def files_below(root_uri: str) -> dict[str, tuple[int, int]]:
    """Every file below a local root: its size and modification time."""
    root = local_path(root_uri)
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def versions(root_uri: str) -> dict[str, int]:
    return {uri: deltalake.DeltaTable(uri).version() for uri in delta_tables_under(root_uri)}


def rows(uri: str) -> list[str]:
    """The table's rows, in an order of their own."""
    return sorted(repr(sorted(row.items())) for row in delta_dataset(uri).to_table().to_pylist())


def table_events(storage: LakehouseStorage) -> list[dict]:
    return delta_dataset(storage.system_uri("table_events")).to_table().to_pylist()


def test_a_branch_lake_starts_as_clones_of_production_and_branch_runs_write_only_below_it(lakehouse, monkeypatch):
    home, production, run = lakehouse
    production_files, production_versions = files_below(production.root_uri), versions(production.root_uri)
    production_gold = duckdb_path(home).stat()
    for name, value in BRANCH.items():
        monkeypatch.setenv(name, value)
    branch = storage_for_deployment(production)
    assert branch.root_uri == (home / "branches" / "feature-better-orders").as_uri()

    assert run(branch, job=branch_lake_clone).success
    cloned = clone_record(branch.root_uri)
    assert {"bronze/crm_customer_changes", "silver/customer_history", "_system/ingest_ledger"} <= set(cloned)
    assert "_system/table_events" not in cloned  # production's own run history
    for table in ("silver/customer_history", "bronze/crm_customer_changes", "_system/ingest_ledger"):
        assert rows(branch.table_uri_for(*table.split("/"))) == rows(production.table_uri_for(*table.split("/"))), table
    assert not [p for p in files_below(branch.root_uri) if p.endswith(".parquet") and "/_delta_log/" not in p]
    offsets = ("checkpoints", "bronze", "kafka_orders", "offsets", "7")
    assert (
        local_path(branch.system_uri(*offsets)).read_bytes() == local_path(production.system_uri(*offsets)).read_bytes()
    )

    # Silver reads on from where production's Silver had got to: nothing new, nothing read.
    assert run(branch, 'key:"silver/customer_history"').success
    assert [(e["table"], e["rows_in"]) for e in table_events(branch)] == [("silver.customer_history", 0)]

    # The pull request's own batch lands in the branch: Bronze, Silver and Gold take it in, in the branch.
    generate_landing(local_path(branch.root_uri), scale=SCALE, batch=1)
    assert run(branch, THROUGH_GOLD).success
    assert max(e["rows_in"] for e in table_events(branch) if e["table"] == "silver.customer_history") > 0
    assert len(rows(branch.table_uri_for(*HISTORY))) > len(rows(production.table_uri_for(*HISTORY)))
    assert duckdb_path(home).is_file() and duckdb_path(home).parent.name == "feature-better-orders"

    assert files_below(production.root_uri) == production_files
    assert versions(production.root_uri) == production_versions
    for name in BRANCH:
        monkeypatch.delenv(name)
    assert duckdb_path(home).stat() == production_gold  # production's Gold warehouse file too


def test_closing_the_pull_request_drops_the_branch_lake_and_nothing_of_production(lakehouse, monkeypatch):
    home, production, run = lakehouse
    branch_root = home / "branches" / "closed-branch"
    for name, value in {**BRANCH, "DAGSTER_CLOUD_GIT_BRANCH": "closed-branch"}.items():
        monkeypatch.setenv(name, value)
    branch = storage_for_deployment(production)
    assert run(branch, job=branch_lake_clone).success and branch_root.is_dir()
    cleanup = {"ops": {"drop_closed_branch_lake": {"config": {"branch": "closed-branch"}}}}

    refused = run(branch, job=branch_lake_cleanup, config=cleanup)
    assert not refused.success and branch_root.is_dir()  # a branch deployment cannot drop lakes
    production_files = files_below(production.root_uri)
    for name in BRANCH:
        monkeypatch.delenv(name)

    assert run(production, job=branch_lake_cleanup, config=cleanup).success
    assert not branch_root.exists()
    assert files_below(production.root_uri) == production_files
