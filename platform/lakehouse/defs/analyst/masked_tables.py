"""A masked copy of every Silver table whose contract tags a column as PII, for analysts and notebooks.

Tagging a column as PII in the contract is all it takes for it to be hashed here. Each run rewrites
the copy from Silver's live rows, on the Gold cadence (README, "PII").
"""

import dagster as dg
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import functions as F

from lakehouse.defs.silver.tables import SILVER_TABLES
from lakehouse.lib.automation import gold_automation
from lakehouse.lib.cdc_merge import IS_DELETED
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.layers import ANALYST, analyst_key, table_name
from lakehouse.lib.quality.contracts import contract_owner, pii_columns
from lakehouse.lib.quality.pii import PiiMasking
from lakehouse.lib.silver import SilverTable
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.transforms.cdc import EVENT_TS, SEQUENCE

# Which change a row holds is the MERGE's business, not the analyst's.
BOOKKEEPING = (SEQUENCE, EVENT_TS)
HASHED = r"^[0-9a-f]{64}(@.*)?$"  # a salted SHA-256, with the e-mail domain kept readable


def masked_key(table: SilverTable) -> dg.AssetKey:
    return analyst_key(table.name)


def masked_asset(table: SilverTable) -> dg.AssetsDefinition:
    pii = pii_columns(table.contract)

    @dg.asset(
        key=masked_key(table),
        deps=[table.key],
        group_name=ANALYST,
        description=f"{table.description} Live rows only; hashed: {', '.join(pii)}.",
        kinds={"spark", "delta"},
        owners=[contract_owner(table.contract)],
        tags={"layer": ANALYST, "pii": "masked"},
        automation_condition=gold_automation(),
    )
    def _masked(spark: LazyPySparkResource, storage: LakehouseStorage, pii: PiiMasking) -> dg.MaterializeResult:
        session = spark.spark_session
        rows = session.read.format("delta").load(storage.table_uri(table.key))
        if IS_DELETED in rows.columns:
            rows = rows.where(~F.col(IS_DELETED)).drop(IS_DELETED)
        uri = storage.table_uri(masked_key(table))
        masked = pii.mask(rows.drop(*BOOKKEEPING), table.contract)
        masked.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(uri)
        return dg.MaterializeResult(metadata=delta_table_metadata(uri, table_name=table_name(analyst_key(table.name))))

    return _masked


def masked_check(table: SilverTable) -> dg.AssetChecksDefinition:
    columns = list(pii_columns(table.contract))

    @dg.asset_check(
        asset=masked_key(table),
        name="pii_masked",
        blocking=True,
        description=f"Every value of {', '.join(columns)} is a salted hash",
    )
    def pii_masked(spark: LazyPySparkResource, storage: LakehouseStorage) -> dg.AssetCheckResult:
        rows = spark.spark_session.read.format("delta").load(storage.table_uri(masked_key(table)))
        # One pass for all columns; a NULL is no value, so not an unmasked one.
        counts = rows.agg(*[F.count_if(~F.col(c).rlike(HASHED)).alias(c) for c in columns]).first()
        unmasked = counts.asDict()
        return dg.AssetCheckResult(passed=not any(unmasked.values()), metadata={"unmasked_values": unmasked})

    return pii_masked


@dg.definitions
def defs() -> dg.Definitions:
    tables = [table for table in SILVER_TABLES if pii_columns(table.contract)]
    return dg.Definitions(assets=[masked_asset(t) for t in tables], asset_checks=[masked_check(t) for t in tables])
