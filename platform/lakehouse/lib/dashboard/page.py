"""The dashboard as one self-contained HTML page, and its preview as Markdown for the Dagster UI.

Everything the page shows is inside the file: inline CSS, inline SVG charts, no script, no font or
stylesheet to fetch, so it opens offline and from any storage.
"""

import base64
from html import escape

from lakehouse.lib.dashboard.charts import Chart, to_svg
from lakehouse.lib.dashboard.figures import ExecutiveFigures

TITLE = "Executive dashboard"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #0f172a; background: #f8fafc; }
header p, .note { color: #64748b; }
.headlines { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 0; }
.headline { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px 16px; margin: 0; }
.headline dt { font-size: 13px; color: #64748b; }
.headline dd { margin: 4px 0 0; font-size: 24px; font-weight: 600; }
.headline .note { font-size: 12px; font-weight: 400; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; margin-top: 16px; }
figure.chart { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 12px; margin: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { width: 100%; height: auto; display: block; }
"""


def period(figures: ExecutiveFigures) -> str:
    if figures.first_day is None:
        return "No orders or web sessions yet"
    return f"Orders and web sessions from {figures.first_day:%d %b %Y} to {figures.last_day:%d %b %Y}; amounts in EUR"


def headline_tiles(figures: ExecutiveFigures) -> str:
    return "\n".join(
        f'<div class="headline" id="{h.key}"><dt>{escape(h.label)}</dt><dd>{escape(h.text)}'
        + (f'<div class="note">{escape(h.note)}</div>' if h.note else "")
        + "</dd></div>"
        for h in figures.headlines
    )


def chart_figure(chart: Chart) -> str:
    return (
        f'<figure class="chart" id="{chart.slug}"><figcaption>{escape(chart.title)}</figcaption>\n'
        f"{to_svg(chart)}</figure>"
    )


def dashboard_html(figures: ExecutiveFigures, charts: list[Chart]) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{TITLE}</h1><p>{escape(period(figures))}</p></header>
<dl class="headlines">
{headline_tiles(figures)}
</dl>
<main class="charts">
{"".join(chart_figure(chart) for chart in charts)}
</main>
</body>
</html>
"""


def preview_markdown(figures: ExecutiveFigures, chart_title: str, chart_png: bytes) -> str:
    """The headline figures as a table and one chart as an embedded PNG (the UI renders data: images)."""
    rows = "\n".join(f"| {h.label} | {h.text} | {h.note} |" for h in figures.headlines)
    image = base64.b64encode(chart_png).decode()
    return (
        f"**{TITLE}**: {period(figures)}\n\n| figure | value | |\n|---|---:|---|\n{rows}\n\n"
        f"![{chart_title}](data:image/png;base64,{image})\n"
    )
