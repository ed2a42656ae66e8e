"""Analyst-facing masked tables, generated from the contracts' PII tags, on real Spark and Delta."""

from datetime import datetime

import dagster as dg
from pyspark.sql import functions as F

from lakehouse.defs.analyst.masked_tables import defs as analyst_defs
from lakehouse.defs.analyst.masked_tables import masked_key
from lakehouse.defs.silver.tables import SILVER_TABLES
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.quality.contracts import spark_schema
from lakehouse.lib.quality.pii import PiiMasking

CUSTOMERS = next(t for t in SILVER_TABLES if t.name == "customers")
T0 = datetime(2024, 5, 1)


def customer(customer_id, email, deleted=False):
    return (
        customer_id,
        "Ada",
        "Lovelace",
        email,
        "+4930123456",
        "Main St 1",
        "Berlin",
        "10115",
        "DE",
        T0,
        deleted,
        customer_id * 10,
        T0,
    )


def test_masked_customers_hold_live_rows_with_every_pii_column_hashed(spark, spark_resource, storage):
    rows = [customer(1, "ada@example.com"), customer(2, "bob@mail.org"), customer(3, "gone@example.com", deleted=True)]
    (
        spark.createDataFrame(rows, spark_schema(CUSTOMERS.contract))
        .write.format("delta")
        .save(storage.table_uri(CUSTOMERS.key))
    )

    definitions = analyst_defs()
    result = dg.materialize(
        definitions.assets,
        selection=[masked_key(CUSTOMERS)],
        resources={
            **in_process_spark(spark_resource),
            "storage": storage,
            "pii": PiiMasking(salt="pepper"),
        },
    )

    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "pii_masked" and check.passed
    masked = spark.read.format("delta").load(storage.table_uri(masked_key(CUSTOMERS)))
    assert sorted(masked.columns) == sorted(
        c for c in spark_schema(CUSTOMERS.contract).names if c not in ("is_deleted", "_sequence", "_event_ts")
    )
    by_id = {r.customer_id: r for r in masked.collect()}
    assert set(by_id) == {1, 2}  # the deleted customer is not served
    raw = {v for row in rows for v in row[1:8]}
    for r in by_id.values():
        assert not raw & {r.first_name, r.last_name, r.email, r.phone, r.street, r.postal_code}
        assert r.city == "Berlin" and r.country == "DE"  # not PII: untouched
    assert by_id[1].email.endswith("@example.com") and by_id[1].email != by_id[2].email
    assert by_id[1].phone == by_id[2].phone  # deterministic: equal values, equal hashes
    expected_phone = spark.range(1).select(F.sha2(F.lit("pepper+4930123456"), 256)).first()[0]
    assert by_id[1].phone == expected_phone
