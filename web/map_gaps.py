"""/maps/gaps: hexagons of residents beyond a walk of a station, and the uncovered buildings."""

from __future__ import annotations

import datetime as dt

import folium
import psycopg

from geo import map_data
from geo.layers.schema import STATION_KINDS
from geo.walking import coverage, gaps
from geo.walking.access import ANY_KIND
from web import basemaps, palette
from web import map_base as mb
from web.map_coverage import station_layers

HEX_STEPS = (50, 200, 500, 1000)
# More uncovered buildings than this are not drawn one by one (the hexagons summarise them).
BUILDINGS_EMBED_MAX = 5000
HEX_COLOURS = palette.ramp(5)


def page(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
         basemap: str = basemaps.BLANK, embed_max: int = mb.EMBED_MAX_GRIDS) -> str:
    """The gaps map as HTML for stations of `kind` open at `at` (any hour: computed on request, nothing written)."""
    found = gaps.compute(conn, kind=coverage.check_kind(kind), at=at)
    hexagons, buildings = found.features("hexagons"), found.features("buildings")
    m = mb.base_map(map_data.district_bounds(conn), basemap)
    counts: dict[str, int] = {}
    if map_data.grid_count(conn) <= embed_max:  # grid outlines are context only: left out of large districts
        grids = map_data.grids(conn)
        folium.GeoJson(grids, name="网格", style_function=lambda _: {"color": "#888", "weight": 0.5, "fillOpacity": 0},
                       tooltip=mb.tooltip(grids, ["name", "community_name"], ["网格", "社区"])).add_to(m)
        counts["网格"] = len(grids["features"])
    folium.GeoJson(hexagons, name="未覆盖居民（六边形）",
                   style_function=lambda f: {"color": palette.RAMP[-1], "weight": 0.5, "fillOpacity": 0.7, "fillColor":
                                             mb.steps_colour(f["properties"]["uncovered_residents"], HEX_STEPS,
                                                             HEX_COLOURS)},
                   tooltip=mb.tooltip(hexagons, ["uncovered_residents", "buildings"], ["未覆盖居民", "楼栋"])).add_to(m)
    counts["未覆盖居民（六边形）"] = len(hexagons["features"])
    note = ""
    if len(buildings["features"]) <= BUILDINGS_EMBED_MAX:
        folium.GeoJson(buildings, name="未覆盖楼栋", show=False,
                       marker=folium.CircleMarker(radius=3, color="#333", weight=1, fill=True, fill_color=palette.MARK,
                                                  fill_opacity=0.9),
                       tooltip=mb.tooltip(buildings, ["building_code", "residents", "distance_m"],
                                          ["楼栋", "居民", "步行距离（米）"])).add_to(m)
        counts["未覆盖楼栋"] = len(buildings["features"])
    else:
        note = (f"未覆盖楼栋较多（{len(buildings['features']):,}栋），地图只显示六边形；"
                "楼栋明细见 /gaps/buildings（GeoJSON）")
    counts.update(station_layers(m, map_data.stations(conn), kind=kind, at=at))
    uncovered = sum(f["properties"]["uncovered_residents"] for f in hexagons["features"])
    mb.panel(m, "步行15分钟覆盖缺口", [
        ("驿站类型", kind), ("时段", at.strftime("%H:%M") if at else "全天"),
        ("未覆盖居民", f"{uncovered:,}"), ("未覆盖楼栋", f"{len(buildings['features']):,}"),
        ("六边形（约150米）", f"{len(hexagons['features']):,}")],
        form=mb.form(mb.select("kind", "驿站类型", [(k, k) for k in (ANY_KIND, *STATION_KINDS)], kind),
                     f'<label>时刻 <input type="time" name="at" value="{at.strftime("%H:%M") if at else ""}">'
                     "</label>", mb.basemap_field(basemap)), note=note)
    labels = [f"< {HEX_STEPS[0]}", *[f"≥ {s}" for s in HEX_STEPS]]
    mb.legend(m, "六边形内未覆盖居民", [*zip(HEX_COLOURS, labels, strict=True), (palette.MARK, "未覆盖楼栋")])
    return mb.finish(m, counts)
