"""The executive dashboard's figures and page, from small marts made here (no dbt, no browser).

Proves: cancelled orders count in neither channels nor products; the top products are the largest,
named from the catalog (or by id when missing); segments come best first; headline ratios have
no value rather than a division by zero; the page holds one inline SVG per chart, nothing to fetch,
and is the same file for the same figures.
"""

import re
from datetime import date

import pandas as pd

from lakehouse.lib.dashboard.charts import executive_charts
from lakehouse.lib.dashboard.figures import executive_figures
from lakehouse.lib.dashboard.page import dashboard_html, preview_markdown

KPI_DAILY = pd.DataFrame(
    {
        "date_day": [date(2026, 1, 2), date(2026, 1, 1), date(2026, 2, 1)],
        "revenue_eur": [30.0, 10.0, 60.0],
        "orders": [2, 1, 1],
        "sessions": [0, 0, 0],
        "converted_sessions": [0, 0, 0],
    }
)
EXECUTIVE_SUMMARY = pd.DataFrame(
    {
        "month_start": [date(2026, 2, 1), date(2026, 1, 1)],
        "revenue_eur": [60.0, 40.0],
        "revenue_change_vs_previous_month": [0.5, None],
    }
)
CUSTOMER_360 = pd.DataFrame(
    {"rfm_segment": ["prospect", "at_risk", "champion", "at_risk"], "order_count": [0, 1, 3, 2]}
)
FACT_ORDERS = pd.DataFrame(
    {"channel": ["web", "store", "web", "web", None], "is_cancelled": [False, False, False, True, False]}
)
FACT_ORDER_LINES = pd.DataFrame(
    {
        "product_id": [1, 2, 2, 3, 4, 1],
        "is_cancelled": [False, False, False, False, False, True],
        "net_amount_eur": [5.0, 4.0, 4.0, 7.0, 1.0, 100.0],
    }
)
DIM_PRODUCT = pd.DataFrame({"product_id": [1, 2, 4], "product_name": ["Mug", "Lamp", "Pen"]})


def figures():
    return executive_figures(KPI_DAILY, EXECUTIVE_SUMMARY, CUSTOMER_360, FACT_ORDERS, FACT_ORDER_LINES, DIM_PRODUCT)


def test_figures_leave_out_cancelled_orders_and_rank_products_and_segments():
    result = figures()
    assert (result.first_day, result.last_day) == (date(2026, 1, 1), date(2026, 2, 1))
    assert list(result.daily_revenue_eur) == [10.0, 30.0, 60.0]  # by day
    assert result.orders_by_channel.to_dict() == {"web": 2, "store": 1, "unknown": 1}
    # Product 1's cancelled line is no revenue; product 3 is not in the catalog.
    assert result.top_products_eur.to_dict() == {"Lamp": 8.0, "product 3": 7.0, "Mug": 5.0, "Pen": 1.0}
    assert list(result.customers_by_segment.items()) == [("champion", 1), ("at risk", 2), ("prospect", 1)]


def test_headlines_have_no_value_rather_than_a_division_by_zero():
    headlines = {h.key: h for h in figures().headlines}
    assert headlines["revenue_eur"].value == 100.0 and headlines["orders"].value == 4
    assert headlines["average_order_value_eur"].text == "€25.00"
    assert headlines["conversion_rate"].value is None and headlines["conversion_rate"].text == "n/a"  # no sessions
    assert headlines["customers_with_orders"].value == 3
    latest = headlines["latest_month_revenue_eur"]
    assert (latest.label, latest.text, latest.note) == ("Revenue, Feb 2026", "€60", "+50.0% on the previous month")


def test_the_page_inlines_one_svg_per_chart_and_fetches_nothing():
    result = figures()
    html = dashboard_html(result, executive_charts(result))
    charts = re.findall(r'<figure class="chart" id="([^"]+)"><figcaption>([^<]+)</figcaption>\s*<svg', html)
    assert [title for _, title in charts] == [
        "Daily revenue (EUR)",
        "Orders by channel",
        "Top products by revenue (EUR)",
        "Customers by segment",
    ]
    assert html.count("<svg") == len(charts)
    # Only references inside the page: no script, stylesheet, font or image to load.
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert re.findall(r'(?:src|href)="([^"#][^"]*)"|url\((?!#)', html) == []
    # matplotlib's ids are salted per chart: one page never holds the same generated id twice.
    ids = re.findall(r'<clipPath id="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids))
    assert html == dashboard_html(result, executive_charts(result))  # same figures, same file


def test_the_preview_shows_the_headlines_and_embeds_the_chart_as_png():
    markdown = preview_markdown(figures(), "Daily revenue (EUR)", b"\x89PNG fake")
    assert "| Revenue | €100 |  |" in markdown and "| Web conversion | n/a |  |" in markdown
    assert "![Daily revenue (EUR)](data:image/png;base64,iVBORyBmYWtl)" in markdown
