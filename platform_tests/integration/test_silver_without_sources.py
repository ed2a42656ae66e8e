"""Silver before its sources delivered: a Bronze table that does not exist yet reads as empty, so every
Silver table is created (empty) instead of failing, and fills once its source arrives."""

import shutil

import dagster as dg
import pytest
from deltalake import DeltaTable

from lakehouse.definitions import defs
from lakehouse.defs.silver.tables import SILVER_TABLES
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.quality.contracts import spark_schema
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.sources.generate import generate_landing

pytestmark = pytest.mark.integration
CUSTOMERS = dg.AssetKey(["silver", "customers"])


def materialize(spark_resource, root, selection: str) -> dg.ExecuteInProcessResult:
    definitions = defs()
    storage = LakehouseStorage(root_uri=root.as_uri())
    job = dg.define_asset_job("without_sources", selection=selection)
    local = dg.Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=[job],
        resources={
            **definitions.resources,
            **in_process_spark(spark_resource),
            "storage": storage,
            "fx_api": FxRatesApi(page_size=500),
        },
        executor=dg.in_process_executor,
    )
    return local.resolve_job_def("without_sources").execute_in_process(raise_on_error=False)


def test_silver_tables_are_created_empty_before_any_source_delivered_and_fill_once_one_does(spark_resource, tmp_path):
    root = tmp_path / "lake"
    empty = materialize(spark_resource, root, "group:silver")

    assert empty.success
    for table in SILVER_TABLES:
        created = DeltaTable(str(root / "silver" / table.name))
        assert created.to_pyarrow_dataset().count_rows() == 0
        assert {f.name for f in created.schema().fields} == set(spark_schema(table.contract).names)
    customers = {e.asset_key: e.materialization.metadata for e in empty.get_asset_materialization_events()}[CUSTOMERS]
    assert customers["source/change_feed"].value == "not written yet (read as empty)"
    assert customers["quality/rows_in"].value == 0

    # Only the CRM change feed delivers: the customers come from it alone.
    generate_landing(root, scale=1_000)
    for folder in (root / "landing").iterdir():
        if folder.name not in ("crm", "_generation"):
            shutil.rmtree(folder)
    shutil.rmtree(root / "landing" / "crm" / "customers")
    assert materialize(spark_resource, root, "key:bronze/crm_customer_changes or key:silver/customers").success
    assert DeltaTable(str(root / "silver" / "customers")).to_pyarrow_dataset().count_rows() > 0
