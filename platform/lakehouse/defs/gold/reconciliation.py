"""Gold agrees with Silver: figures of the marts recomputed straight from the Silver Delta tables.

Silver is read with delta-rs and aggregated with pandas, apart from the dbt SQL but with the same
definitions: revenue is the value of the live lines of live orders that were not cancelled, each
line `quantity * unit_price * (1 - discount)` rounded half-up to the cent in the order's currency,
converted to EUR at the latest rate published on or before the order day (UTC).
"""

from decimal import ROUND_HALF_UP, Decimal

import dagster as dg
import deltalake
import pandas as pd
from dagster_dbt import DbtCliResource

from lakehouse.defs.gold.warehouse import read_gold
from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.layers import gold_key, silver_key
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.lib.targets import local_state_dir

EUR = "EUR"
CENT, DISCOUNT_STEP = Decimal("0.01"), Decimal("0.0001")
REVENUE_TOLERANCE_EUR = 0.01  # per day: sums of the same amounts in another order differ far less
EXAMPLES = 10


def live(table: pd.DataFrame) -> pd.DataFrame:
    """Rows not deleted at the source (SCD1 tables keep tombstones)."""
    return table[~table["is_deleted"].astype(bool)]


def utc_day(timestamps: pd.Series) -> pd.Series:
    return pd.to_datetime(timestamps, utc=True).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def net_amount(quantity: int, unit_price: Decimal, discount: float | None) -> Decimal:
    share = Decimal(0) if pd.isna(discount) else Decimal(str(discount)).quantize(DISCOUNT_STEP, ROUND_HALF_UP)
    return (quantity * unit_price * (1 - share)).quantize(CENT, ROUND_HALF_UP)


def eur_rates(fx_rates: pd.DataFrame) -> pd.DataFrame:
    """Units of each currency per EUR, by the day the rate was published for."""
    rates = live(fx_rates)
    rates = rates[rates["base_currency"] == EUR].rename(columns={"quote_currency": "currency"})
    rates = rates.assign(rate_date=pd.to_datetime(rates["rate_date"]).astype("datetime64[ns]"))
    return rates[["rate_date", "currency", "rate"]].sort_values("rate_date")


def daily_revenue_eur(orders: pd.DataFrame, lines: pd.DataFrame, fx_rates: pd.DataFrame) -> pd.Series:
    """EUR revenue per order day from the Silver orders, order lines and FX rates."""
    orders = live(orders)
    orders = orders[(orders["status"] != "cancelled") & orders["order_ts"].notna()]
    orders = orders.assign(order_date=utc_day(orders["order_ts"]))[["order_id", "order_date", "currency"]]
    lines = live(lines).dropna(subset=["quantity", "unit_price"]).merge(orders, on="order_id")
    # The latest rate on or before the order day; EUR converts at 1.
    lines = pd.merge_asof(
        lines.sort_values("order_date"),
        eur_rates(fx_rates),
        left_on="order_date",
        right_on="rate_date",
        by="currency",
        direction="backward",
    )
    rate = lines["rate"].where(lines["currency"] != EUR, 1.0)
    amounts = [
        float(net_amount(int(q), p, d)) for q, p, d in zip(lines["quantity"], lines["unit_price"], lines["discount"])
    ]
    return (pd.Series(amounts, index=lines.index, dtype=float) / rate).groupby(lines["order_date"]).sum()


def compare_daily(gold: pd.Series, silver: pd.Series) -> dg.AssetCheckResult:
    days = gold.index.union(silver.index)
    gold, silver = gold.reindex(days, fill_value=0.0), silver.reindex(days, fill_value=0.0)
    difference = (gold - silver).abs()
    mismatched = difference[difference > REVENUE_TOLERANCE_EUR]
    return dg.AssetCheckResult(
        passed=mismatched.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None
        if mismatched.empty
        else f"kpi_daily.revenue_eur differs from Silver on {len(mismatched)} of {len(days)} days",
        metadata={
            "days": len(days),
            "gold_revenue_eur": round(float(gold.sum()), 2),
            "silver_revenue_eur": round(float(silver.sum()), 2),
            "largest_daily_difference_eur": float(difference.max()) if len(days) else 0.0,
            "mismatched_days": ", ".join(
                f"{day:%Y-%m-%d}: gold {gold[day]:.2f}, silver {silver[day]:.2f}" for day in mismatched.index[:EXAMPLES]
            ),
        },
    )


def compare_customers(gold_current: set[int], silver_live: set[int]) -> dg.AssetCheckResult:
    only_gold, only_silver = sorted(gold_current - silver_live), sorted(silver_live - gold_current)
    return dg.AssetCheckResult(
        passed=not only_gold and not only_silver,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "gold_current_customers": len(gold_current),
            "silver_live_customers": len(silver_live),
            "only_in_gold": str(only_gold[:EXAMPLES]),
            "only_in_silver": str(only_silver[:EXAMPLES]),
        },
    )


def read_silver(storage: LakehouseStorage, table: str, columns: list[str]) -> pd.DataFrame:
    uri = storage.table_uri(silver_key(table))
    if not deltalake.DeltaTable.is_deltatable(uri):
        raise dg.Failure(f"silver/{table} has not been materialized yet: there is nothing to reconcile Gold with")
    return delta_dataset(uri).to_table(columns=columns).to_pandas()


@dg.asset_check(
    asset=gold_key("kpi_daily"),
    additional_deps=[silver_key("orders"), silver_key("order_lines"), silver_key("fx_rates")],
    description="Daily revenue (EUR) equals the same figure computed directly from the Silver order lines.",
)
def revenue_reconciles_with_silver(dbt: DbtCliResource, storage: LakehouseStorage) -> dg.AssetCheckResult:
    gold = read_gold("kpi_daily", ["date_day", "revenue_eur"], dbt.target, storage, local_state_dir())
    silver = daily_revenue_eur(
        read_silver(storage, "orders", ["order_id", "order_ts", "status", "currency", "is_deleted"]),
        read_silver(storage, "order_lines", ["order_id", "quantity", "unit_price", "discount", "is_deleted"]),
        read_silver(storage, "fx_rates", ["rate_date", "base_currency", "quote_currency", "rate", "is_deleted"]),
    )
    return compare_daily(
        gold.set_index(pd.to_datetime(gold["date_day"]).astype("datetime64[ns]"))["revenue_eur"], silver
    )


@dg.asset_check(
    asset=gold_key("dim_customer"),
    additional_deps=[silver_key("customers")],
    description="The customers with a current version in dim_customer are exactly the live Silver customers.",
)
def current_customers_reconcile_with_silver(dbt: DbtCliResource, storage: LakehouseStorage) -> dg.AssetCheckResult:
    gold = read_gold("dim_customer", ["customer_id", "is_current"], dbt.target, storage, local_state_dir())
    silver = live(read_silver(storage, "customers", ["customer_id", "is_deleted"]))
    return compare_customers(set(gold.loc[gold["is_current"].astype(bool), "customer_id"]), set(silver["customer_id"]))


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[revenue_reconciles_with_silver, current_customers_reconcile_with_silver])
