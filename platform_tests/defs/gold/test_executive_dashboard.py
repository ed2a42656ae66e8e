"""The executive dashboard asset over the Gold built from the hand-made Silver, seen in Chromium.

Proves: a run of the dbt models and the dashboard writes one HTML file below the storage root and
records its path, the headline figures worked out by hand, and a Markdown preview with the revenue
chart as an embedded PNG; the demo's summary prints where the file is; headless Chromium, with the
network cut off, lays out the four charts with their titles and headline figures and paints each
chart's bars or line in its place. The screenshot is kept in .lakehouse/test-artifacts/ to look at.
"""

import base64
import html
import json
import re
import shutil
from pathlib import Path

import dagster as dg
import pytest
from handmade_silver import EXPECTED_REVENUE_EUR
from headless_chromium import WINDOW, dump_dom, screenshot
from PIL import Image

from lakehouse.defs.gold.dashboard import DASHBOARD_FILE, DASHBOARD_KEY, executive_dashboard
from lakehouse.defs.gold.dbt_models import gold_dbt_models
from lakehouse.lib.dashboard.charts import ACCENT
from lakehouse.lib.targets import PROJECT_ROOT
from lakehouse.summary import print_summary

pytestmark = pytest.mark.integration
CHART_TITLES = ["Daily revenue (EUR)", "Orders by channel", "Top products by revenue (EUR)", "Customers by segment"]
ARTIFACTS = PROJECT_ROOT / ".lakehouse" / "test-artifacts"
# Run in the page by the test only (the dashboard itself has no script): where Chromium laid out
# each chart and what it shows, written into the DOM that --dump-dom prints.
MEASURE = """<script>
const rect = (e) => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; };
const measured = {
  pageHeight: document.documentElement.scrollHeight,
  headlines: Object.fromEntries([...document.querySelectorAll(".headline")]
    .map(h => [h.id, h.querySelector("dd").firstChild.textContent])),
  charts: [...document.querySelectorAll("figure.chart")].map(f => {
    const svg = f.querySelector("svg");
    return {title: f.querySelector("figcaption").textContent, box: rect(f),
            isSvg: svg instanceof SVGSVGElement, svg: svg ? rect(svg) : null};
  }),
};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(measured);
document.body.append(out);
</script>"""


@pytest.fixture(scope="module")
def dashboard_run(resources):
    result = dg.materialize([gold_dbt_models, executive_dashboard], resources=resources, raise_on_error=False)
    assert result.success
    return result


@pytest.fixture(scope="module")
def metadata(dashboard_run) -> dict:
    return dashboard_run.asset_materializations_for_node(executive_dashboard.op.name)[0].metadata


def test_the_asset_writes_the_page_below_the_storage_root_and_previews_it(lakehouse_home, dashboard_run, metadata):
    assert DASHBOARD_KEY in {event.asset_key for event in dashboard_run.get_asset_materialization_events()}
    page = lakehouse_home.joinpath("data", *DASHBOARD_FILE)
    assert metadata["dashboard"] == dg.MetadataValue.path(str(page)) and page.is_file()
    assert metadata["size_bytes"].value == page.stat().st_size

    # Figures worked out by hand in handmade_silver.py.
    assert metadata["revenue_eur"].value == pytest.approx(sum(EXPECTED_REVENUE_EUR.values()))  # 73.25
    assert metadata["orders"].value == 5  # orders 1, 2, 4, 5 and 7: 3 and 8 are cancelled, 6 deleted
    assert metadata["average_order_value_eur"].value == pytest.approx(73.25 / 5)
    assert metadata["conversion_rate"].value == pytest.approx(1 / 4)  # 4 live sessions, 1 converted
    assert metadata["customers_with_orders"].value == 2  # live customers 1 and 2; 4 is a prospect

    preview = metadata["preview"].value
    assert "| Revenue | €73 |" in preview and "| Revenue, Jan 2026 | €70 | +2241.7% on the previous month |" in preview
    png = base64.b64decode(re.search(r"!\[Daily revenue \(EUR\)\]\(data:image/png;base64,([^)]+)\)", preview)[1])
    assert png.startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def page(metadata) -> Path:
    return Path(metadata["dashboard"].path)


def test_the_demo_summary_says_where_the_dashboard_is(lakehouse_home, page, capsys):
    print_summary(lakehouse_home / "data")
    assert f"dashboard: {page}  (one HTML file" in capsys.readouterr().out


def measured_in_chromium(page, tmp_path) -> dict:
    instrumented = tmp_path / "measured.html"
    instrumented.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    dom = dump_dom(instrumented)
    return json.loads(html.unescape(re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)[1]))


def accent_pixels(image: Image.Image, box: dict) -> int:
    """Pixels of the charts' accent colour (give or take anti-aliasing) inside `box`."""
    crop = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    accent = tuple(int(ACCENT[i : i + 2], 16) for i in (1, 3, 5))
    return sum(1 for pixel in crop.get_flattened_data() if sum(abs(c - a) for c, a in zip(pixel, accent)) < 40)


def test_chromium_shows_every_chart_with_its_title_and_the_headline_figures(page, tmp_path):
    measured = measured_in_chromium(page, tmp_path)
    assert [chart["title"] for chart in measured["charts"]] == CHART_TITLES
    for chart in measured["charts"]:
        # Parsed as SVG (not as unknown HTML tags) and laid out at a readable size.
        assert chart["isSvg"] and chart["svg"]["width"] > 400 and chart["svg"]["height"] > 150, chart
    assert measured["headlines"]["revenue_eur"] == "€73" and measured["headlines"]["orders"] == "5"
    assert measured["pageHeight"] <= WINDOW[1], "the screenshot would cut the page off"

    shot = screenshot(page, tmp_path / "dashboard.png")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "dashboard.png")
    shutil.copy(page, ARTIFACTS / "dashboard.html")
    image = Image.open(shot).convert("RGB")
    assert image.size == WINDOW
    # Each chart's line or bars are really painted in its place on the screen.
    painted = {chart["title"]: accent_pixels(image, chart["box"]) for chart in measured["charts"]}
    assert all(count > 150 for count in painted.values()), painted
