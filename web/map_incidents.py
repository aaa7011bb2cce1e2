"""/maps/incidents: incidents clustered, grid workload, overdue ones highlighted; by period and category."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from urllib.parse import urlencode

import folium
import psycopg
from branca.element import MacroElement, Template
from folium.plugins import MarkerCluster

from geo import map_data
from web import basemaps, palette
from web import map_base as mb

DEFAULT_DAYS = 30
CST = dt.timezone(dt.timedelta(hours=8))
WORKLOAD_STEPS = (1, 5, 10, 20, 40)
WORKLOAD_COLOURS = palette.ramp(6)
# Both incident layers are filled in the browser from one compact array embedded once:
# rows [lat, lon, overdue 0/1, id, category index, status index] with lookup lists.
POINTS_JS = """{% macro script(this, kwargs) %}
(function () {
    var data = {{ this.data }}, cluster = {{ this.cluster }}, late = {{ this.late }}, all = [], overdue = [];
    data.rows.forEach(function (r) {
        var isLate = r[2] === 1, text = "事件 " + r[3] + "<br>" + data.categories[r[4]] + "<br>"
            + data.statuses[r[5]] + (isLate ? "（超期）" : "");
        all.push(L.circleMarker([r[0], r[1]], {radius: 5, weight: 1, color: "#fff",
            fillColor: isLate ? {{ this.overdue_colour }} : {{ this.incident_colour }}, fillOpacity: 0.9}).bindPopup(text));
        if (isLate) {
            overdue.push(L.circleMarker([r[0], r[1]], {radius: 4, weight: 1, color: "#fff",
                fillColor: {{ this.overdue_colour }}, fillOpacity: 0.9}).bindTooltip(text));
        }
    });
    cluster.addLayers(all);  // in bulk: one clustering pass, not one per marker
    overdue.forEach(function (layer) { late.addLayer(layer); });  // hidden at first: nothing drawn yet
})();
{% endmacro %}"""


def page(conn: psycopg.Connection, *, start: dt.date | None = None, end: dt.date | None = None,
         category: str | None = None, now: dt.datetime | None = None, basemap: str = basemaps.BLANK,
         embed_max: int = mb.EMBED_MAX_GRIDS) -> str:
    """The incidents map as HTML for incidents reported from `start` to `end` (dates, inclusive).

    Without dates: the last DEFAULT_DAYS days of the incidents on record.
    """
    start, end = period(conn, start, end)
    rows = located(conn, start, end, category, now)
    m = mb.base_map(map_data.district_bounds(conn), basemap)
    per_grid = Counter(r["grid_code"] for r in rows if r["grid_code"])
    if map_data.grid_count(conn) <= embed_max:
        grids = workload_features(conn, per_grid)
        mb.grid_layer(m, "网格工作量", grids)
        n_grids = len(grids["features"])
    else:
        mb.grid_layer(m, "网格工作量", "/maps/data/grids?" + urlencode(
            {"layer": "workload", "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}", "category": category or ""}))
        n_grids = -1  # loaded by bounding box
    overdue = sum(1 for r in rows if r["overdue"])
    _points(m, rows)
    choices = [("", "全部类别"), *map_data.categories(conn)]
    mb.panel(m, "事件分布与网格工作量", [
        ("时段", f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"), ("事件（有坐标）", f"{len(rows):,}"),
        ("其中超期", f"{overdue:,}"), ("有事件的网格", f"{len(per_grid):,}")],
        form=mb.form(f'<label>开始 <input type="date" name="start" value="{start:%Y-%m-%d}"></label>',
                     f'<label>结束 <input type="date" name="end" value="{end:%Y-%m-%d}"></label>',
                     mb.select("category", "类别", choices, category or ""), mb.basemap_field(basemap)))
    steps = ["0", *[f"≥ {s}" for s in WORKLOAD_STEPS]]
    mb.legend(m, "网格事件数", [*zip(WORKLOAD_COLOURS, steps, strict=True), (palette.INCIDENT, "事件"),
                               (palette.OVERDUE, "超期事件")])
    return mb.finish(m, {"网格工作量": n_grids, "事件（聚合）": len(rows), "超期事件": overdue})


def _points(m: folium.Map, rows: list[dict[str, object]]) -> None:
    """The clustered incidents and the overdue ones (hidden at first), from one compact embedded array."""
    cluster = MarkerCluster(name="事件（聚合）").add_to(m)
    late = folium.FeatureGroup(name="超期事件", show=False).add_to(m)
    categories = sorted({str(r["category_name"]) for r in rows})
    statuses = sorted({str(r["status"]) for r in rows})
    where = {c: k for k, c in enumerate(categories)}
    state = {c: k for k, c in enumerate(statuses)}
    data = {"categories": [html.escape(c) for c in categories], "statuses": statuses,
            "rows": [[r["lat"], r["lon"], int(r["overdue"]), r["id"], where[r["category_name"]], state[r["status"]]]
                     for r in rows]}
    filler = MacroElement()
    filler._template = Template(POINTS_JS)
    filler.data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    filler.cluster, filler.late = cluster.get_name(), late.get_name()
    filler.incident_colour, filler.overdue_colour = json.dumps(palette.INCIDENT), json.dumps(palette.OVERDUE)
    m.add_child(filler)


def period(conn: psycopg.Connection, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The dates asked for, or the last DEFAULT_DAYS days of the incidents on record."""
    known = map_data.incident_period(conn)
    end = end or (known[1].astimezone(CST).date() if known else dt.date.today())
    return start or end - dt.timedelta(days=DEFAULT_DAYS - 1), end


def located(conn: psycopg.Connection, start: dt.date, end: dt.date, category: str | None,
            now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Incidents reported from `start` to `end` (dates in China Standard Time, inclusive)."""
    return map_data.incidents(conn, start=_midnight(start), end=_midnight(end + dt.timedelta(days=1)),
                              category=category or None, now=now)


def workload_features(conn: psycopg.Connection, per_grid: Counter,
                      bbox: tuple[float, float, float, float] | None = None) -> dict:
    """Grids (within `bbox`, if given) with their number of incidents as `fill` and a Chinese `label`."""
    grids = map_data.grids(conn, bbox)
    for feature in grids["features"]:
        p = feature["properties"]
        cases = per_grid.get(p["code"], 0)
        p["fill"] = mb.steps_colour(cases, WORKLOAD_STEPS, WORKLOAD_COLOURS)
        p["label"] = f"{html.escape(p['name'])}（{html.escape(p['community_name'] or '')}）<br>事件 {cases:,} 件"
    return grids


def _midnight(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in China Standard Time (UTC+8)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=CST)


def workload_in_view(conn: psycopg.Connection, bbox: tuple[float, float, float, float], *, start: dt.date | None,
                     end: dt.date | None, category: str | None) -> dict:
    """The workload grid layer within `bbox` (west, south, east, north degrees) for the page's filters."""
    start, end = period(conn, start, end)
    per_grid = Counter(r["grid_code"] for r in located(conn, start, end, category) if r["grid_code"])
    return workload_features(conn, per_grid, bbox)
