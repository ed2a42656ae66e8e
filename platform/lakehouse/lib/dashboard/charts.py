"""The dashboard's charts, drawn with matplotlib into static SVG (PNG for the UI preview).

matplotlib rather than a JavaScript charting library: a static SVG needs no script inlined in the
page (plotly's is ~3.5 MB) or fetched from a CDN (Vega), so the file opens offline, stays small
and renders the same in any browser. Text is drawn as paths, so no font has to be installed.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lakehouse.lib.dashboard.figures import ExecutiveFigures

ACCENT, MUTED, GRID = "#2563eb", "#94a3b8", "#e2e8f0"
SIZE_INCHES = (6.4, 3.2)
TREND_WINDOW_DAYS = 7
MIN_DAYS_FOR_AUTO_TICKS = 8


@dataclass(frozen=True)
class Chart:
    slug: str  # its element id in the page
    title: str
    figure: Figure


def new_axes() -> tuple[Figure, Axes]:
    # A bare Figure, not pyplot: no global state, safe in a run's threads.
    figure = Figure(figsize=SIZE_INCHES, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    return figure, axes


def no_data(axes: Axes) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, "no data yet", ha="center", va="center", color=MUTED, transform=axes.transAxes)


def revenue_trend(daily: pd.Series) -> Figure:
    figure, axes = new_axes()
    if daily.empty:
        no_data(axes)
        return figure
    axes.fill_between(daily.index, daily.values, color=ACCENT, alpha=0.15, linewidth=0)
    axes.plot(daily.index, daily.values, color=ACCENT, linewidth=1.2, label="daily")
    average = daily.rolling(TREND_WINDOW_DAYS, min_periods=1).mean()
    axes.plot(average.index, average.values, color="#0f172a", linewidth=1.6, label=f"{TREND_WINDOW_DAYS}-day average")
    # Daily figures: over a few days, one tick a day rather than ticks at noon.
    short = daily.index.max() - daily.index.min() < pd.Timedelta(days=MIN_DAYS_FOR_AUTO_TICKS)
    locator = mdates.DayLocator() if short else mdates.AutoDateLocator(maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.yaxis.set_major_formatter("€{x:,.0f}")
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color=GRID)
    # Above the plot, where no line can run under it.
    axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncols=2, borderaxespad=0)
    return figure


def bars(values: pd.Series, unit: str = "", horizontal: bool = False) -> Figure:
    """Bars labelled with their values, whole numbers after `unit` (a currency sign or nothing)."""
    figure, axes = new_axes()
    if values.empty:
        no_data(axes)
        return figure
    labels = [str(label) for label in values.index]
    if horizontal:  # the largest on top
        drawn = axes.barh(labels[::-1], values.values[::-1], color=ACCENT)
        value_axis, margin = axes.xaxis, {"x": 0.15}  # room for the value labels
    else:
        drawn = axes.bar(labels, values.values, color=ACCENT)
        value_axis, margin = axes.yaxis, {"y": 0.15}
    axes.margins(**margin)
    # Matplotlib's default ticks, but no half orders for small counts.
    value_axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    value_axis.set_major_formatter(unit + "{x:,.0f}")
    axes.grid(axis="x" if horizontal else "y", color=GRID)
    axes.bar_label(drawn, fmt=unit + "{:,.0f}", padding=2, fontsize=8)
    return figure


def executive_charts(figures: ExecutiveFigures) -> list[Chart]:
    return [
        Chart("revenue-trend", "Daily revenue (EUR)", revenue_trend(figures.daily_revenue_eur)),
        Chart("orders-by-channel", "Orders by channel", bars(figures.orders_by_channel)),
        Chart("top-products", "Top products by revenue (EUR)", bars(figures.top_products_eur, "€", horizontal=True)),
        Chart("customer-segments", "Customers by segment", bars(figures.customers_by_segment)),
    ]


def saved(save: Callable[[io.BytesIO], None]) -> bytes:
    buffer = io.BytesIO()
    save(buffer)
    return buffer.getvalue()


def to_svg(chart: Chart) -> str:
    """The chart's <svg> element, ready to inline in an HTML page."""
    # A salt per chart keeps the generated ids apart between the charts of one page and equal
    # from one render to the next; no date stamp, so the same figures give the same file.
    with matplotlib.rc_context({"svg.hashsalt": chart.slug, "svg.fonttype": "path"}):
        svg = saved(lambda b: chart.figure.savefig(b, format="svg", metadata={"Date": None})).decode()
    return svg[svg.index("<svg") :]


def to_png(chart: Chart, dpi: int = 80) -> bytes:
    return saved(lambda b: chart.figure.savefig(b, format="png", dpi=dpi))
