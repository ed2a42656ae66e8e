"""What the executive dashboard shows, computed from the Gold marts as read back (pandas frames).

Revenue is in EUR, the one reporting currency of the marts; cancelled orders are not revenue.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd

TOP_PRODUCTS = 10
# Best customers first, prospects (no orders yet) last; see the segments of customer_360.
SEGMENT_ORDER = ["champion", "loyal", "promising", "new", "at_risk", "hibernating", "prospect"]
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Headline:
    """One headline figure: `key` names it in the asset's metadata, `style` formats it for people."""

    key: str
    label: str
    value: float | None  # None when there is nothing to divide by
    style: str
    note: str = ""

    @property
    def text(self) -> str:
        return "n/a" if self.value is None else self.style.format(self.value)


@dataclass(frozen=True)
class ExecutiveFigures:
    first_day: date | None
    last_day: date | None
    headlines: list[Headline]
    daily_revenue_eur: pd.Series  # by day, every day of the span
    orders_by_channel: pd.Series  # orders not cancelled, by sales channel
    top_products_eur: pd.Series  # revenue by product name, largest first
    customers_by_segment: pd.Series  # live customers by RFM segment, in SEGMENT_ORDER


def ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def headlines(kpi_daily: pd.DataFrame, executive_summary: pd.DataFrame, customer_360: pd.DataFrame) -> list[Headline]:
    revenue, orders = float(kpi_daily["revenue_eur"].sum()), int(kpi_daily["orders"].sum())
    figures = [
        Headline("revenue_eur", "Revenue", revenue, "€{:,.0f}"),
        Headline("orders", "Orders", orders, "{:,.0f}"),
        Headline("average_order_value_eur", "Average order value", ratio(revenue, orders), "€{:,.2f}"),
        Headline(
            "conversion_rate",
            "Web conversion",
            ratio(kpi_daily["converted_sessions"].sum(), kpi_daily["sessions"].sum()),
            "{:.1%}",
        ),
        Headline(
            "customers_with_orders", "Customers with orders", int((customer_360["order_count"] > 0).sum()), "{:,.0f}"
        ),
    ]
    if not executive_summary.empty:
        latest = executive_summary.sort_values("month_start").iloc[-1]
        change = latest["revenue_change_vs_previous_month"]
        figures.append(
            Headline(
                "latest_month_revenue_eur",
                f"Revenue, {pd.Timestamp(latest['month_start']):%b %Y}",
                float(latest["revenue_eur"]),
                "€{:,.0f}",
                note="" if pd.isna(change) else f"{float(change):+.1%} on the previous month",
            )
        )
    return figures


def daily_revenue(kpi_daily: pd.DataFrame) -> pd.Series:
    days = pd.to_datetime(kpi_daily["date_day"])
    return kpi_daily["revenue_eur"].astype(float).set_axis(days).sort_index().rename("revenue_eur")


def orders_by_channel(fact_orders: pd.DataFrame) -> pd.Series:
    placed = fact_orders[~fact_orders["is_cancelled"].astype(bool)]
    return placed["channel"].fillna(UNKNOWN).value_counts().rename("orders")


def top_products(fact_order_lines: pd.DataFrame, dim_product: pd.DataFrame, limit: int = TOP_PRODUCTS) -> pd.Series:
    sold = fact_order_lines[~fact_order_lines["is_cancelled"].astype(bool)]
    by_product = sold.groupby("product_id")["net_amount_eur"].sum().astype(float).nlargest(limit)
    names = dim_product.set_index("product_id")["product_name"]
    # A product missing from the catalog still shows, under its id.
    labels = [
        names.get(product_id) if pd.notna(names.get(product_id)) else f"product {product_id}"
        for product_id in by_product.index
    ]
    return by_product.set_axis(labels).rename("revenue_eur")


def customers_by_segment(customer_360: pd.DataFrame) -> pd.Series:
    counts = customer_360["rfm_segment"].value_counts()
    order = [s for s in SEGMENT_ORDER if s in counts.index] + sorted(set(counts.index) - set(SEGMENT_ORDER))
    return counts.reindex(order).rename(index=lambda segment: segment.replace("_", " ")).rename("customers")


def executive_figures(
    kpi_daily: pd.DataFrame,
    executive_summary: pd.DataFrame,
    customer_360: pd.DataFrame,
    fact_orders: pd.DataFrame,
    fact_order_lines: pd.DataFrame,
    dim_product: pd.DataFrame,
) -> ExecutiveFigures:
    revenue = daily_revenue(kpi_daily)
    return ExecutiveFigures(
        first_day=revenue.index.min().date() if len(revenue) else None,
        last_day=revenue.index.max().date() if len(revenue) else None,
        headlines=headlines(kpi_daily, executive_summary, customer_360),
        daily_revenue_eur=revenue,
        orders_by_channel=orders_by_channel(fact_orders),
        top_products_eur=top_products(fact_order_lines, dim_product),
        customers_by_segment=customers_by_segment(customer_360),
    )
