"""Asset checks on materialized Delta tables: the contract checks of the step that writes a table (blocking),
references, freshness."""

from datetime import timedelta

import dagster as dg
import pandera.pyspark as pa
import pyspark.sql.types as T
from dagster_pyspark import LazyPySparkResource
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from lakehouse.lib.compute.in_process import InProcessCompute, in_process_spark
from lakehouse.lib.compute.step import spark_step
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.quality.checks import (
    check_contract,
    contract_check_specs,
    freshness_check,
    referential_integrity_check,
)
from lakehouse.lib.storage import LakehouseStorage


class Order(pa.DataFrameModel):
    order_id: T.StringType() = pa.Field()
    customer_id: T.StringType() = pa.Field(nullable=True)  # an order may have no customer (orphans below)
    amount: T.DoubleType() = pa.Field(ge=0)

    class Config:
        name = "orders"
        unique = ["order_id"]
        metadata = {"version": 1}


ORDERS = dg.AssetKey(["silver", "orders"])
CUSTOMERS = dg.AssetKey(["silver", "customers"])
TOTALS = dg.AssetKey(["gold", "order_totals"])
CLEAN = [("o-1", "c-1", 10.0), ("o-2", "c-2", 20.0), ("o-3", "c-1", 5.0)]
ORDER_ROWS = {
    "clean": CLEAN,
    "violating": [*CLEAN, ("o-4", "c-2", -5.0), ("o-1", "c-2", 1.0)],  # negative amount, duplicate key
    "orphans": [*CLEAN, ("o-5", "c-9", 3.0), ("o-6", "c-9", 4.0), ("o-7", None, 1.0)],  # NULL is no orphan
}


class OrderRows(dg.Config):
    variant: str = "clean"


def write(
    spark: LazyPySparkResource, storage: LakehouseStorage, key: dg.AssetKey, rows, ddl: str
) -> dg.MaterializeResult:
    uri = storage.table_uri(key)
    spark.spark_session.createDataFrame(rows, ddl).write.format("delta").mode("overwrite").save(uri)
    return dg.MaterializeResult(metadata=delta_table_metadata(uri))


def contract_step(key: dg.AssetKey, model: type[pa.DataFrameModel]):
    """The step that checks a table written by a test's asset, as a Silver step checks the tables it writes."""

    def check(spark, run):
        yield from check_contract(spark, run, run.resources["storage"].table_uri(key), key, model)

    return spark_step(f"test/check/{key.to_user_string()}", check, __name__)


CHECK_ORDERS = contract_step(ORDERS, Order)


@dg.asset(key=ORDERS, check_specs=contract_check_specs(ORDERS, Order))
def orders(
    context, config: OrderRows, spark: LazyPySparkResource, compute: InProcessCompute, storage: LakehouseStorage
):
    yield write(
        spark, storage, ORDERS, ORDER_ROWS[config.variant], "order_id string, customer_id string, amount double"
    )
    yield from compute.run(context, CHECK_ORDERS, storage=storage)


@dg.asset(key=CUSTOMERS)
def customers(spark: LazyPySparkResource, storage: LakehouseStorage) -> dg.MaterializeResult:
    return write(spark, storage, CUSTOMERS, [("c-1",), ("c-2",)], "customer_id string")


@dg.asset(key=TOTALS, deps=[ORDERS])
def order_totals(spark: LazyPySparkResource, storage: LakehouseStorage) -> None:
    df = spark.spark_session.read.format("delta").load(storage.table_uri(ORDERS))
    totals = df.groupBy("customer_id").agg(F.sum("amount").alias("total"))
    totals.write.format("delta").mode("overwrite").save(storage.table_uri(TOTALS))


def run(definitions, spark_resource, storage, variant):
    return dg.materialize(
        definitions,
        resources={**in_process_spark(spark_resource), "storage": storage},
        raise_on_error=False,
        run_config=dg.RunConfig({"silver__orders": OrderRows(variant=variant)}),
    )


def evaluations(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def materialized(result) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def test_a_clean_table_passes_and_downstream_runs(spark_resource, storage):
    checks = [*dg.build_column_schema_change_checks(assets=[ORDERS]), freshness_check(ORDERS, timedelta(hours=1))]
    result = run([orders, order_totals, *checks], spark_resource, storage, "clean")
    assert result.success
    assert {name: e.passed for name, e in evaluations(result).items()} == {
        "contract": True,
        "unique_key": True,
        "column_schema_change": True,
        "freshness_check": True,
    }
    assert materialized(result) == {ORDERS, TOTALS}


def test_a_contract_violation_fails_blocking_checks_and_skips_downstream(spark, spark_resource, storage):
    result = run([orders, order_totals], spark_resource, storage, "violating")
    assert not result.success
    checks = evaluations(result)

    contract = checks["contract"]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    [failure] = contract.metadata["failures"].value
    assert (failure["column"], failure["check"]) == ("amount", "greater_than_or_equal_to(0)")
    assert failure["examples"] == [{"order_id": "o-4", "amount": -5.0}]

    unique_key = checks["unique_key"]
    assert not unique_key.passed
    assert unique_key.metadata["duplicated_keys"].value == 1
    assert unique_key.metadata["examples"].value == [{"order_id": "o-1", "count": 2}]

    assert materialized(result) == {ORDERS}
    assert not DeltaTable.isDeltaTable(spark, storage.table_uri(TOTALS))  # downstream never ran


def test_referential_integrity_counts_orphans(spark_resource, storage):
    check = referential_integrity_check(ORDERS, CUSTOMERS, ["customer_id"])
    result = run([customers, orders, check], spark_resource, storage, "orphans")
    evaluation = evaluations(result)["references_silver_customers"]
    assert not evaluation.passed
    assert evaluation.metadata["orphan_rows"].value == 2
    assert evaluation.metadata["missing_references"].value == [{"customer_id": "c-9"}]


class Product(pa.DataFrameModel):
    product_id: T.StringType() = pa.Field()
    price: T.DoubleType() = pa.Field(gt=0)
    is_deleted: T.BooleanType() = pa.Field()

    class Config:
        name = "products"
        unique = ["product_id"]
        metadata = {"version": 1}


PRODUCTS = dg.AssetKey(["silver", "products"])


class ProductRows(dg.Config):
    live_price: float


CHECK_PRODUCTS = contract_step(PRODUCTS, Product)


@dg.asset(key=PRODUCTS, check_specs=contract_check_specs(PRODUCTS, Product))
def products(context, config: ProductRows, spark: LazyPySparkResource, compute: InProcessCompute,
             storage: LakehouseStorage):  # fmt: skip
    # p-2's tombstone carries the source's delete image, whose price breaks the contract.
    rows = [("p-1", config.live_price, False), ("p-2", -3.0, True)]
    yield write(spark, storage, PRODUCTS, rows, "product_id string, price double, is_deleted boolean")
    yield from compute.run(context, CHECK_PRODUCTS, storage=storage)


def test_the_contract_holds_for_live_rows_and_leaves_tombstones_as_received(spark_resource, storage):
    def contract_passed(live_price: float) -> bool:
        result = dg.materialize(
            [products],
            resources={**in_process_spark(spark_resource), "storage": storage},
            raise_on_error=False,
            run_config=dg.RunConfig({"silver__products": ProductRows(live_price=live_price)}),
        )
        return evaluations(result)["contract"].passed

    assert contract_passed(9.5)
    assert not contract_passed(-1.0)
