"""A masked copy of every Silver table whose contract tags a column as PII, for analysts and notebooks.

Tagging a column as PII in the contract is all it takes for it to be hashed here. Each run rewrites
the copy from Silver's live rows, on the Gold cadence (README, "PII").
"""

from collections.abc import Iterator

import dagster as dg
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.defs.silver.tables import SILVER_TABLES
from lakehouse.lib.automation import gold_automation
from lakehouse.lib.cdc_merge import IS_DELETED
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Checked, Materialized, StepRun, spark_step
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
    pii = list(pii_columns(table.contract))

    def rewrite(spark: SparkSession, run: StepRun) -> Iterator[Materialized | Checked]:
        storage = run.resources["storage"]
        rows = spark.read.format("delta").load(storage.table_uri(table.key))
        if IS_DELETED in rows.columns:
            rows = rows.where(~F.col(IS_DELETED)).drop(IS_DELETED)
        uri = storage.table_uri(masked_key(table))
        masked = run.resources["pii"].mask(rows.drop(*BOOKKEEPING), table.contract)
        masked.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(uri)
        yield Materialized(masked_key(table), delta_table_metadata(uri, table_name=table_name(masked_key(table))))
        # Read back as written; one pass for all columns; a NULL is no value, so not an unmasked one.
        written = spark.read.format("delta").load(uri)
        unmasked = written.agg(*[F.count_if(~F.col(c).rlike(HASHED)).alias(c) for c in pii]).first().asDict()
        yield Checked(masked_key(table), "pii_masked", passed=not any(unmasked.values()),
                      metadata={"unmasked_values": unmasked})  # fmt: skip

    step = spark_step(f"analyst/{table.name}", rewrite, __name__)

    @dg.asset(
        key=masked_key(table),
        deps=[table.key],
        group_name=ANALYST,
        description=f"{table.description} Live rows only; hashed: {', '.join(pii)}.",
        kinds={"spark", "delta"},
        owners=[contract_owner(table.contract)],
        tags={"layer": ANALYST, "pii": "masked"},
        automation_condition=gold_automation(),
        # Checked in the step that writes the table: a check of its own would be a second Spark application.
        check_specs=[dg.AssetCheckSpec("pii_masked", asset=masked_key(table), blocking=True,
                                       description=f"Every value of {', '.join(pii)} is a salted hash")],
        pool=step.name,
    )  # fmt: skip
    def _masked(context: dg.AssetExecutionContext, compute: SparkCompute, storage: LakehouseStorage, pii: PiiMasking):
        yield from compute.run(context, step, storage=storage, pii=pii)

    return _masked


# Built on import: a remote Spark driver finds the steps by importing this module.
MASKED_TABLES = [table for table in SILVER_TABLES if pii_columns(table.contract)]
MASKED_ASSETS = [masked_asset(t) for t in MASKED_TABLES]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=MASKED_ASSETS)
