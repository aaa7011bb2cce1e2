"""The leader's dashboard in headless Chromium: offline and clean, every figure shown (cards, tables, charts)
equal to /figures asked by the page's own session, a click on the trend opens that month; screenshot in
tests/artifacts/screenshots/dashboard.png."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import psycopg
import pytest

from geo.incidents.figures import RATES, Month
from tests.browser.harness import PageReport
from tests.incident_history import import_sample, play
from web.dashboard import COLUMNS, figure_text

READY = "return document.body !== null && document.body.dataset.wanggeReady === '1';"
# Every figure on the page: [table level or 'key', unit code, figure, data-value, text shown].
CELLS_JS = """
var out = [];
document.querySelectorAll('#key-figures [data-figure]').forEach(function (d) {
  out.push(['key', '', d.dataset.figure, d.dataset.value, d.querySelector('a').textContent]);
});
document.querySelectorAll('table[data-level] tr[data-code] td[data-figure]').forEach(function (td) {
  out.push([td.closest('table').dataset.level, td.closest('tr').dataset.code, td.dataset.figure, td.dataset.value,
            td.querySelector('a').textContent]);
});
return out;
"""
FETCH_JS = "var done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.json()).then(done);"


@pytest.fixture(scope="module")
def month(browser_database_url: str, demo_dir: Path) -> Month:
    """A seeded sample of the demo's incidents with seeded histories, committed; their latest month."""
    with psycopg.connect(browser_database_url) as conn:
        ids = import_sample(conn, demo_dir, rows=600, seed=7)
        last = conn.execute("SELECT max(reported_at) FROM incidents").fetchone()[0]
        play(conn, ids, seed=8, until=last + dt.timedelta(days=20))
        conn.commit()
    return Month.of(last)


def figures(page: PageReport, **params: str) -> list[dict[str, object]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return page.js_async(FETCH_JS, f"/figures?{query}")


def _value(text: str) -> float | None:
    return float(text) if text else None


def test_the_dashboard_shows_the_figures_of_figures(open_page, month: Month) -> None:
    page = open_page("/dashboard", name="dashboard", ready_js=READY)
    page.assert_clean()
    assert month.label in page.js("return document.querySelector('h1').textContent")
    cells = page.js(CELLS_JS)
    wanted = {"key": figures(page, month=str(month), level="district")}
    for level in ("street", "department", "community", "grid"):
        wanted[level] = figures(page, month=str(month), level=level)
    shown: dict[tuple[str, str, str], tuple[str, str]] = {(c[0], c[1], c[2]): (c[3], c[4]) for c in cells}
    for level, rows in wanted.items():
        assert {code for (lv, code, _) in shown if lv == level} == ({""} if level == "key" else
                                                                     {r["code"] for r in rows}), level
        for row in rows:
            for figure in COLUMNS:
                value, text = shown[(level, "" if level == "key" else row["code"], figure)]
                assert _value(value) == row[figure] and text == figure_text(figure, row[figure]), (level, figure)
    # The charts: twelve months of the district's rates, this month's streets.
    trend = {r["month"]: r for r in figures(page, level="district", per_month="true",
                                            start=month.shift(-11).start.isoformat().replace("+", "%2B"),
                                            end=month.end.isoformat().replace("+", "%2B"))}
    labels = page.js("return window.wanggeCharts.trend.data.labels;")
    assert labels == [str(month.shift(k)) for k in range(-11, 1)]
    for k, rate in enumerate(RATES):
        drawn = page.js(f"return window.wanggeCharts.trend.data.datasets[{k}].data;")
        assert drawn == [trend[m][rate] if m in trend else None for m in labels], rate
    streets = page.js("return window.wanggeCharts.streets.data.datasets.map(d => d.data);")
    assert streets == [[r["per_1000"] for r in wanted["street"]], [r["overdue_rate"] for r in wanted["street"]]]
    page.js("document.querySelector('details').open = true;")
    page.retake("dashboard_grids_open")


def test_a_click_on_the_trend_opens_that_month(open_page, month: Month) -> None:
    page = open_page("/dashboard", name="dashboard_click", ready_js=READY)
    earlier = month.shift(-3)
    x, y, width, height = page.js(
        "var c = window.wanggeCharts.trend, p = c.getDatasetMeta(0).data[8], r = c.canvas.getBoundingClientRect();"
        "c.canvas.scrollIntoView(); return [p.x, p.y, r.width, r.height];")
    page.click("#chart-trend", int(x - width / 2), int(y - height / 2))
    wait = time.monotonic() + 10
    while f"month={earlier}" not in page.js("return location.href;") and time.monotonic() < wait:
        time.sleep(0.05)
    assert page.js("return location.search;") == f"?month={earlier}"
