"""The executive dashboard: the Gold KPIs as charts in one self-contained HTML file in storage, with
the headline figures and the revenue trend previewed in the asset's metadata."""

import dagster as dg
from dagster_dbt import DbtCliResource

from lakehouse.defs.gold.warehouse import read_gold
from lakehouse.lib.automation import GOLD_FRESHNESS, gold_automation
from lakehouse.lib.dashboard.charts import executive_charts, to_png
from lakehouse.lib.dashboard.figures import executive_figures
from lakehouse.lib.dashboard.page import dashboard_html, preview_markdown
from lakehouse.lib.layers import GOLD, gold_key
from lakehouse.lib.storage import LakehouseStorage, is_local, join_uri, local_path, write_bytes
from lakehouse.lib.targets import local_state_dir

DASHBOARD_KEY = gold_key("executive_dashboard")
DASHBOARD_FILE = (GOLD, "executive_dashboard", "index.html")  # below the storage root
MART_COLUMNS = {
    "kpi_daily": ["date_day", "revenue_eur", "orders", "sessions", "converted_sessions"],
    "executive_summary": ["month_start", "revenue_eur", "revenue_change_vs_previous_month"],
    "customer_360": ["rfm_segment", "order_count"],
    "fact_orders": ["channel", "is_cancelled"],
    "fact_order_lines": ["product_id", "is_cancelled", "net_amount_eur"],
    "dim_product": ["product_id", "product_name"],
}


def dashboard_uri(root_uri: str) -> str:
    return join_uri(root_uri, *DASHBOARD_FILE)


def location_metadata(uri: str) -> dg.MetadataValue:
    """A local file as a path the UI offers to copy (browsers do not follow file:// links from a page)."""
    return dg.MetadataValue.path(str(local_path(uri))) if is_local(uri) else dg.MetadataValue.url(uri)


@dg.asset(
    key=DASHBOARD_KEY,
    deps=[gold_key(mart) for mart in MART_COLUMNS],
    group_name=GOLD,
    kinds={"matplotlib", "html"},
    owners=["team:finance"],
    tags={"layer": GOLD},
    automation_condition=gold_automation(),
    freshness_policy=GOLD_FRESHNESS,
    description="Revenue trend, orders by channel, top products and customer segments with the headline "
    "KPIs, as one HTML file that opens offline.",
)
def executive_dashboard(dbt: DbtCliResource, storage: LakehouseStorage) -> dg.MaterializeResult:
    marts = {
        mart: read_gold(mart, columns, dbt.target, storage, local_state_dir()) for mart, columns in MART_COLUMNS.items()
    }
    figures = executive_figures(**marts)
    charts = executive_charts(figures)
    html = dashboard_html(figures, charts).encode()
    uri = dashboard_uri(storage.root_uri)
    write_bytes(uri, html)
    trend = charts[0]  # the revenue trend leads the page and the preview
    return dg.MaterializeResult(
        metadata={
            "dashboard": location_metadata(uri),
            "preview": dg.MetadataValue.md(preview_markdown(figures, trend.title, to_png(trend))),
            "charts": dg.MetadataValue.text(", ".join(chart.title for chart in charts)),
            "size_bytes": len(html),
            # Numbers, so the UI plots each across materializations.
            **{h.key: h.value for h in figures.headlines if h.value is not None},
        }
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[executive_dashboard])
