"""Contracts: generated schemas, conformance, schema-change classification and the schema registry."""

from decimal import Decimal

import pandera.pyspark as pa
import pyspark.sql.types as T
import pytest

from lakehouse.lib.quality.contracts import (
    MissingColumnsError,
    column_schema,
    conform,
    pii_columns,
    registry_problems,
    schema_changes,
    snapshot,
    spark_schema,
    write_snapshot,
)


class Order(pa.DataFrameModel):
    order_id: T.StringType() = pa.Field(description="Order number")
    email: T.StringType() = pa.Field(nullable=True, metadata={"pii": "email"})
    amount: T.DecimalType(12, 2) = pa.Field(ge=0, description="Total in EUR")

    class Config:
        name = "orders"
        unique = ["order_id"]
        metadata = {"version": 1, "owner": "sales"}


class OrderWithCoupon(Order):
    coupon: T.StringType() = pa.Field(nullable=True)

    class Config:
        name = "orders"


class OrderWithDoubleAmount(Order):
    amount: T.DoubleType() = pa.Field(ge=0)

    class Config:
        name = "orders"


class OrderWithDoubleAmountV2(OrderWithDoubleAmount):
    class Config:
        name = "orders"
        metadata = {"version": 2, "owner": "sales"}


def test_column_schema_carries_types_nullability_descriptions_and_pii():
    columns = {c.name: c for c in column_schema(Order).columns}
    assert list(columns) == ["order_id", "email", "amount"]
    assert [c.type for c in columns.values()] == ["string", "string", "decimal(12,2)"]
    assert [c.constraints.nullable for c in columns.values()] == [False, True, False]
    assert columns["order_id"].description == "Order number"
    assert columns["order_id"].constraints.unique
    assert columns["email"].tags == {"pii": "email"} and columns["amount"].tags == {}
    assert columns["amount"].constraints.other == ["greater_than_or_equal_to(0)"]
    assert pii_columns(Order) == {"email": "email"}


def test_spark_schema_keeps_nullability_and_descriptions():
    schema = spark_schema(Order)
    assert [(f.name, f.dataType, f.nullable) for f in schema.fields] == [
        ("order_id", T.StringType(), False),
        ("email", T.StringType(), True),
        ("amount", T.DecimalType(12, 2), False),
    ]
    assert schema["amount"].metadata == {"comment": "Total in EUR"}


def test_conform_orders_casts_and_drops_extra_columns(spark):
    df = spark.createDataFrame(
        [("7.50", "o-1", "x", None)], "amount string, order_id string, extra string, email string"
    )
    conformed = conform(df, Order)
    assert conformed.columns == ["order_id", "email", "amount"]
    assert conformed.schema["amount"].dataType == T.DecimalType(12, 2)
    assert conformed.first()["amount"] == Decimal("7.50")


def test_conform_names_missing_columns(spark):
    df = spark.createDataFrame([("o-1",)], "order_id string")
    with pytest.raises(MissingColumnsError, match=r"orders: missing contract columns \['email', 'amount'\]"):
        conform(df, Order)


def test_schema_changes_classify_compatible_and_breaking():
    def changes(old, new):
        return [(c.column, c.kind, c.breaking) for c in schema_changes(old, new)]

    assert changes(column_schema(Order), column_schema(OrderWithCoupon)) == [("coupon", "added", False)]
    assert changes(column_schema(Order), column_schema(OrderWithDoubleAmount)) == [("amount", "retyped", True)]
    assert changes(column_schema(OrderWithCoupon), column_schema(Order)) == [("coupon", "removed", True)]
    # A registry snapshot compares like a TableSchema.
    required_coupon = {
        "columns": [*snapshot(Order)["columns"], {"name": "coupon", "type": "string", "nullable": False}]
    }
    assert changes(snapshot(Order), required_coupon) == [("coupon", "added", True)]


def test_registry_rejects_a_breaking_change_without_a_version_bump(tmp_path):
    assert registry_problems(Order, tmp_path) == ["orders: no snapshot in the registry; write v1 with write_snapshot"]
    assert write_snapshot(Order, tmp_path) == tmp_path / "orders" / "v1.json"
    assert registry_problems(Order, tmp_path) == []

    [problem] = registry_problems(OrderWithDoubleAmount, tmp_path)
    assert problem.startswith("orders.amount: breaking change without a version bump (decimal(12,2) -> double)")

    # A compatible change passes once the snapshot of the same version is rewritten.
    assert "orders.coupon: compatible change" in registry_problems(OrderWithCoupon, tmp_path)[0]
    write_snapshot(OrderWithCoupon, tmp_path)
    assert registry_problems(OrderWithCoupon, tmp_path) == []

    # A bump is accepted once the new version's snapshot is written.
    assert "version bumped to v2" in registry_problems(OrderWithDoubleAmountV2, tmp_path)[0]
    write_snapshot(OrderWithDoubleAmountV2, tmp_path)
    assert registry_problems(OrderWithDoubleAmountV2, tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "orders").iterdir()) == ["v1.json", "v2.json"]
