"""`dbt build` of the Gold project on both local targets, over the hand-made Silver of conftest.py.

Proves: every model and dbt test passes on DuckDB and on Spark SQL (dbt-spark's session method,
in its own process and JVM); the marts hold the figures worked out by hand; Silver recomputed
independently gives the same daily revenue; both engines build the same marts; a Dagster run on
Spark records each model's row count and columns from its Delta table.
"""

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import dagster as dg
import pandas as pd
import pytest
from dagster_dbt import DbtCliResource
from handmade_silver import D0, D1, D2, EXPECTED_CURRENT_CUSTOMERS, EXPECTED_REVENUE_EUR

from lakehouse.defs.gold.dbt_models import GOLD_PROJECT, gold_dbt_models
from lakehouse.defs.gold.project import DBT_EXECUTABLE
from lakehouse.defs.gold.reconciliation import compare_daily, daily_revenue_eur, read_silver
from lakehouse.defs.gold.warehouse import duckdb_marts, read_gold
from lakehouse.lib.layers import gold_key
from lakehouse.lib.storage import LakehouseStorage

pytestmark = pytest.mark.integration
MARTS = [
    "dim_date",
    "dim_customer",
    "dim_product",
    "dim_store",
    "fact_orders",
    "fact_order_lines",
    "customer_360",
    "kpi_daily",
    "executive_summary",
]


def dbt_build(home, target: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lakehouse.defs.gold.dbt_cli",
            "build",
            "--target",
            target,
            "--target-path",
            str(home / f"dbt-{target}"),
            "--log-path",
            str(home / f"dbt-{target}"),
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " ERROR=0 " in result.stdout and " SKIP=0 " in result.stdout, result.stdout[-3000:]


@pytest.fixture(scope="module")
def storage(lakehouse_home) -> LakehouseStorage:
    return LakehouseStorage(root_uri=(lakehouse_home / "data").as_uri())


@pytest.fixture(scope="module")
def duckdb_gold(lakehouse_home, storage):
    dbt_build(lakehouse_home, "duckdb")
    return lambda model, columns: read_gold(model, columns, "duckdb", storage, lakehouse_home)


def silver_revenue(storage) -> pd.Series:
    return daily_revenue_eur(
        read_silver(storage, "orders", ["order_id", "order_ts", "status", "currency", "is_deleted"]),
        read_silver(storage, "order_lines", ["order_id", "quantity", "unit_price", "discount", "is_deleted"]),
        read_silver(storage, "fx_rates", ["rate_date", "base_currency", "quote_currency", "rate", "is_deleted"]),
    )


def gold_revenue(read) -> pd.Series:
    kpi = read("kpi_daily", ["date_day", "revenue_eur"])
    return kpi.set_index(pd.to_datetime(kpi["date_day"]).astype("datetime64[ns]"))["revenue_eur"]


def test_duckdb_marts_hold_the_figures_worked_out_by_hand(duckdb_gold, storage):
    kpi = duckdb_gold(
        "kpi_daily",
        [
            "date_day",
            "orders",
            "cancelled_orders",
            "revenue_eur",
            "sessions",
            "converted_sessions",
            "new_customers",
            "returning_customers",
        ],
    )
    kpi = kpi.set_index("date_day")
    assert list(kpi.index) == [D0] + [date(2026, 1, day) for day in range(1, 7)]  # every day in the span
    assert kpi["revenue_eur"][kpi["revenue_eur"] > 0].round(2).to_dict() == EXPECTED_REVENUE_EUR
    assert kpi.loc[D1, ["orders", "cancelled_orders", "sessions", "converted_sessions"]].tolist() == [2, 1, 3, 1]
    assert kpi.loc[D2, ["orders", "cancelled_orders", "new_customers", "returning_customers"]].tolist() == [2, 1, 1, 1]
    assert kpi.loc[D0, ["new_customers", "returning_customers", "sessions"]].tolist() == [1, 0, 0]

    orders = duckdb_gold("fact_orders", ["order_id", "customer_key"]).merge(
        duckdb_gold("dim_customer", ["customer_key", "customer_id", "city"]), on="customer_key", how="left"
    )
    versions = orders.set_index("order_id")
    assert sorted(versions.index) == [1, 2, 3, 4, 5, 7, 8]  # order 6 is deleted
    assert versions.loc[1, "city"] == "Berlin" and versions.loc[2, "city"] == "Hamburg"  # SCD2: valid at order time
    assert versions.loc[7, "customer_id"] == 2  # placed before the first version: that version
    assert pd.isna(versions.loc[8, "customer_key"])  # customer 99 is unknown to the CRM

    lines = duckdb_gold("fact_order_lines", ["order_line_key", "net_amount"]).set_index("order_line_key")
    assert lines.loc["1-2", "net_amount"] == Decimal("5.00")  # 1 x 5.55 less 10% = 4.995, half-up

    customers = duckdb_gold(
        "customer_360",
        [
            "customer_id",
            "order_count",
            "lifetime_value_eur",
            "preferred_channel",
            "web_sessions",
            "converted_sessions",
            "rfm_segment",
        ],
    ).set_index("customer_id")
    assert sorted(customers.index) == sorted(EXPECTED_CURRENT_CUSTOMERS)
    assert customers.loc[1].tolist() == [2, pytest.approx(39.25), "store", 2, 1, "loyal"]  # store/web tie: alphabetical
    assert customers.loc[2].tolist() == [
        2,
        pytest.approx(19.00),
        "web",
        1,
        0,
        "loyal",
    ]  # the cancelled order not counted
    assert customers.loc[4, ["order_count", "rfm_segment"]].tolist() == [0, "prospect"]


def test_the_demo_summary_lists_the_duckdb_marts(duckdb_gold, lakehouse_home):
    marts = dict(duckdb_marts(lakehouse_home))
    assert sorted(marts) == sorted(MARTS)  # staging and intermediate tables left out
    assert marts["kpi_daily"] == 7 and marts["fact_orders"] == 7


def test_silver_recomputed_independently_agrees_with_gold(duckdb_gold, storage):
    silver = silver_revenue(storage)
    assert {day.date(): round(value, 2) for day, value in silver.items()} == EXPECTED_REVENUE_EUR
    assert compare_daily(gold_revenue(duckdb_gold), silver).passed


def comparable(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain values, whichever engine wrote them (DuckDB timestamps are UTC without a zone)."""
    frame = frame.copy()
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            frame[name] = pd.to_datetime(column, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif pd.api.types.is_float_dtype(column):
            frame[name] = column.round(6)
        else:
            frame[name] = column.map(str)
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    return sorted(rows, key=str)


def test_spark_builds_the_same_marts_and_records_their_row_counts(duckdb_gold, lakehouse_home, storage):
    dbt = DbtCliResource(project_dir=GOLD_PROJECT, dbt_executable=DBT_EXECUTABLE, target="spark")
    result = dg.materialize([gold_dbt_models], resources={"dbt": dbt, "storage": storage}, raise_on_error=False)
    assert result.success
    assert all(
        check.passed for check in result.get_asset_check_evaluations() if check.severity == dg.AssetCheckSeverity.ERROR
    )
    recorded = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}

    def spark_gold(model, columns):
        return read_gold(model, columns, "spark", storage, lakehouse_home)

    for model in MARTS:
        expected = duckdb_gold(model, ["*"])
        columns = expected.columns.tolist()
        assert comparable(spark_gold(model, columns)) == comparable(expected), model
        assert recorded[gold_key(model)]["dagster/row_count"].value == len(expected), model
        schema = recorded[gold_key(model)]["dagster/column_schema"].value
        assert [column.name for column in schema.columns] == columns, model
    assert recorded[gold_key("stg_orders")]["dagster/row_count"].value > 0  # staging tables are found too
    assert compare_daily(gold_revenue(spark_gold), silver_revenue(storage)).passed
