"""/maps/incidents: the incidents a filter selects, clustered, grid workload, overdue ones highlighted.

The filter is the desk's and the dashboard's (geo.incidents.filters); without dates the map shows the
last 30 days up to now, and says so. Popups show what a dispatcher needs to decide (category, status,
times, department, grid, 五件式 type) and link to the desk; nothing personal is on the page.
"""

from __future__ import annotations

import dataclasses
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
from geo.incidents import map_points
from geo.incidents.filters import HANDLING_TYPES, IncidentFilter
from web import basemaps, palette
from web import map_base as mb

WORKLOAD_STEPS = (1, 5, 10, 20, 40)
WORKLOAD_COLOURS = palette.ramp(6)
# Filter parameters the form has no field for: kept as hidden fields so that 更新 keeps them.
KEPT = ("status", "open", "due", "hours", "late", "department", "channel", "area", "satisfied", "unplaced", "q")
# Clusters are drawn in the legend's colours: the incident colour, the overdue colour when one inside is overdue.
CLUSTER_ICON = """function (cluster) {
    var n = cluster.getChildCount(), late = cluster.getAllChildMarkers().some(function (m) { return m.options.late; });
    var size = n < 10 ? 28 : (n < 100 ? 34 : 42);
    return L.divIcon({html: '<div style="background:' + (late ? %(overdue)s : %(incident)s) + '">' + n + '</div>',
                      className: "wg-cluster", iconSize: L.point(size, size)});
}"""
CLUSTER_STYLE = (".wg-cluster div{width:100%;height:100%;border-radius:50%;border:2px solid #fff;color:#fff;"
                 "font:bold 12px/1 sans-serif;display:flex;align-items:center;justify-content:center;"
                 "box-sizing:border-box;box-shadow:0 0 0 1px rgba(0,0,0,.35)}")
# Both incident layers are filled in the browser from one compact array embedded once: rows
# [lat, lon, overdue 0/1, id, category, status, reported, deadline, department, type, grid], the
# texts as indexes into lookup lists, the times as minutes after `base` (minutes since 1970, UTC;
# -1: none), shown in Beijing time.
POINTS_JS = """{% macro script(this, kwargs) %}
(function () {
    var data = {{ this.data }}, cluster = {{ this.cluster }}, late = {{ this.late }}, all = [], overdue = [];
    function when(m) {
        return m < 0 ? "—" : new Date((data.base + m + 480) * 60000).toISOString().slice(0, 16).replace("T", " ");
    }
    function look(list, k) { return k < 0 ? "—" : list[k]; }
    data.rows.forEach(function (r) {
        var isLate = r[2] === 1, text = "<b>事件 " + r[3] + "</b>" + (isLate ? "（超期）" : "")
            + "<br>类别：" + look(data.categories, r[4]) + "<br>状态：" + look(data.statuses, r[5])
            + "<br>报告：" + when(r[6]) + "<br>时限：" + when(r[7]) + (isLate ? "（已超期）" : "")
            + "<br>部门：" + look(data.departments, r[8]) + "<br>五件式：" + look(data.types, r[9])
            + "<br>网格：" + look(data.grids, r[10]) + "<br><a href=\\"/desk/incidents/" + r[3] + "\\">在调度台办理</a>";
        all.push(L.circleMarker([r[0], r[1]], {radius: 5, weight: 1, color: "#fff", late: isLate,
            fillColor: isLate ? {{ this.overdue_colour }} : {{ this.incident_colour }}, fillOpacity: 0.9}).bindPopup(text));
        if (isLate) {
            overdue.push(L.circleMarker([r[0], r[1]], {radius: 4, weight: 1, color: "#fff",
                fillColor: {{ this.overdue_colour }}, fillOpacity: 0.9}).bindPopup(text));
        }
    });
    cluster.addLayers(all);  // in bulk: one clustering pass, not one per marker
    overdue.forEach(function (layer) { late.addLayer(layer); });  // hidden at first: nothing drawn yet
})();
{% endmacro %}"""


def page(conn: psycopg.Connection, *, filt: IncidentFilter | None = None, now: dt.datetime | None = None,
         basemap: str = basemaps.BLANK, embed_max: int = mb.EMBED_MAX_GRIDS) -> str:
    """The incidents map as HTML for the incidents `filt` selects (its days made explicit: map_points.window)."""
    now = now or dt.datetime.now(dt.UTC)
    asked = filt or IncidentFilter()
    shown = map_points.window(asked, now)
    rows, unlocated = map_points.selected(conn, shown, now)
    m = mb.base_map(map_data.district_bounds(conn), basemap)
    per_grid = Counter(r["grid_code"] for r in rows if r["grid_code"])
    if map_data.grid_count(conn) <= embed_max:
        grids = workload_features(conn, per_grid)
        mb.grid_layer(m, "网格工作量", grids)
        n_grids = len(grids["features"])
    else:
        mb.grid_layer(m, "网格工作量", "/maps/data/grids?" + urlencode({"layer": "workload", **shown.query()},
                                                                     doseq=True))
        n_grids = -1  # loaded by bounding box
    overdue = sum(1 for r in rows if r["overdue"])
    _points(m, rows)
    others = dataclasses.replace(asked, start=None, end=None)
    period = f"{shown.start:%Y-%m-%d} 至 {shown.end:%Y-%m-%d}（北京时间）"
    figures = [(f"最近{map_points.DEFAULT_DAYS}天" if asked.start is None and asked.end is None else "时段", period),
               ("筛选", others.label()), ("事件（有坐标，已画出）", f"{len(rows):,}"), ("其中超期", f"{overdue:,}"),
               ("无坐标（未画出）", f"{unlocated:,}"), ("有事件的网格", f"{len(per_grid):,}")]
    mb.panel(m, "事件分布与网格工作量", figures, form=_empty_note(conn, shown, now, rows) + _form(conn, shown, basemap))
    steps = ["0", *[f"≥ {s}" for s in WORKLOAD_STEPS]]
    mb.legend(m, "网格事件数", [*zip(WORKLOAD_COLOURS, steps, strict=True),
                               (palette.INCIDENT, "事件（聚合圈内为件数）"), (palette.OVERDUE, "超期事件，或含超期事件的聚合圈")])
    return mb.finish(m, {"网格工作量": n_grids, "事件（聚合）": len(rows), "超期事件": overdue})


def _empty_note(conn: psycopg.Connection, shown: IncidentFilter, now: dt.datetime, rows: list) -> str:
    """When nothing is drawn: a link to the latest month with incidents of the same filter."""
    if rows:
        return ""
    month = map_points.latest_month(conn, shown, now)
    if month is None:
        return '<p class="wg-note">没有符合条件的事件。</p>'
    href = "/maps/incidents?" + urlencode(dataclasses.replace(shown, start=month[0], end=month[1]).query(), doseq=True)
    return (f'<p class="wg-note">此时段没有符合条件的事件。最近有事件的月份：'
            f'<a href="{html.escape(href)}">{month[0]:%Y年%m月}</a></p>')


def _form(conn: psycopg.Connection, shown: IncidentFilter, basemap: str) -> str:
    """Dates, category and 五件式 type to change; the other active filters kept as hidden fields."""
    kept = shown.query()
    hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                     for name in KEPT for value in _values(kept.get(name)))
    return mb.form(
        f'<label>开始 <input type="date" name="start" value="{shown.start:%Y-%m-%d}"></label>',
        f'<label>结束 <input type="date" name="end" value="{shown.end:%Y-%m-%d}"></label>',
        mb.select("category", "类别", [("", "全部类别"), *map_data.categories(conn)], shown.category or ""),
        mb.select("type", "五件式", [("", "全部类型"), *((t, t) for t in HANDLING_TYPES)], shown.handling_type or ""),
        mb.basemap_field(basemap), hidden) + f'<p><a href="/maps/incidents">清除筛选（最近{map_points.DEFAULT_DAYS}天）</a></p>'


def _values(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else value


def _points(m: folium.Map, rows: list[dict[str, object]]) -> None:
    """The clustered incidents and the overdue ones (hidden at first), from one compact embedded array."""
    incident, late_colour = json.dumps(palette.INCIDENT), json.dumps(palette.OVERDUE)
    cluster = MarkerCluster(name="事件（聚合）", icon_create_function=CLUSTER_ICON % {
        "incident": incident, "overdue": late_colour}).add_to(m)
    late = folium.FeatureGroup(name="超期事件", show=False).add_to(m)
    m.get_root().header.add_child(folium.Element(f"<style>{CLUSTER_STYLE}</style>"))
    lookups = {name: sorted({str(r[key]) for r in rows if r[key] is not None}) for name, key in (
        ("categories", "category_name"), ("statuses", "status"), ("departments", "department"),
        ("types", "handling_type"), ("grids", "grid_label"))}
    places = {name: {v: k for k, v in enumerate(values)} for name, values in lookups.items()}
    base = min((_minutes(r["reported_at"]) for r in rows), default=0)

    def index(name: str, value: object) -> int:
        return -1 if value is None else places[name][str(value)]

    data = {"base": base, **{name: [html.escape(v) for v in values] for name, values in lookups.items()},
            "rows": [[r["lat"], r["lon"], int(r["overdue"]), r["id"], index("categories", r["category_name"]),
                      index("statuses", r["status"]), _minutes(r["reported_at"]) - base,
                      -1 if r["deadline"] is None else _minutes(r["deadline"]) - base,
                      index("departments", r["department"]), index("types", r["handling_type"]),
                      index("grids", r["grid_label"])] for r in rows]}
    filler = MacroElement()
    filler._template = Template(POINTS_JS)
    filler.data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    filler.cluster, filler.late = cluster.get_name(), late.get_name()
    filler.incident_colour, filler.overdue_colour = incident, late_colour
    m.add_child(filler)


def _minutes(moment: dt.datetime) -> int:
    """Whole minutes since 1970-01-01 UTC."""
    return int(moment.timestamp() // 60)


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


def workload_in_view(conn: psycopg.Connection, bbox: tuple[float, float, float, float], *,
                     filt: IncidentFilter | None = None, now: dt.datetime | None = None) -> dict:
    """The workload grid layer within `bbox` (west, south, east, north degrees) for the page's filter."""
    now = now or dt.datetime.now(dt.UTC)
    rows, _ = map_points.selected(conn, map_points.window(filt or IncidentFilter(), now), now)
    return workload_features(conn, Counter(r["grid_code"] for r in rows if r["grid_code"]), bbox)
