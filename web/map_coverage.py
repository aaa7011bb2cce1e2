"""/maps/coverage: grids coloured by walking coverage, stations by kind, walking circles per ring."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import urlencode

import folium
import psycopg

from geo import map_data
from geo.errors import EmptyNetwork
from geo.layers.schema import STATION_KINDS
from geo.walking import coverage
from geo.walking.access import ANY_KIND
from web import basemaps, palette
from web import map_base as mb

# Rings by minutes, the farthest first: grey (web/palette.py), faint fill and a firm edge.
RINGS = tuple((minutes, palette.RINGS[minutes], 0.06) for minutes in (15.0, 10.0, 5.0))


def page(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
         basemap: str = basemaps.BLANK, embed_max: int = mb.EMBED_MAX_GRIDS) -> str:
    """The coverage map as HTML, for stations of `kind` ('全部': any) open at `at` (None: any hour).

    Up to `embed_max` grids are embedded; more are loaded by bounding box as the map moves.
    """
    coverage.check_kind(kind)
    m = mb.base_map(map_data.district_bounds(conn), basemap)
    counts: dict[str, int] = {}
    rows, note = _by_grid(conn, kind, at)
    totals = coverage.totals(rows) if rows is not None else None
    if map_data.grid_count(conn) <= embed_max:
        grids = grid_features(conn, kind=kind, at=at)
        mb.grid_layer(m, "网格覆盖率", grids)
        counts["网格覆盖率"] = len(grids["features"])
    else:
        mb.grid_layer(m, "网格覆盖率", "/maps/data/grids?" + urlencode(
            {"layer": "coverage", "kind": kind, "at": at.strftime("%H:%M") if at else ""}))
        counts["网格覆盖率"] = -1  # loaded by bounding box: window.wanggeLoadedFeatures tells
    for minutes, colour, opacity in RINGS:
        geometry = map_data.ring_union(conn, kind=kind, at=at, minutes=minutes)
        group = folium.FeatureGroup(name=f"{minutes:g}分钟步行圈", show=minutes == 15.0)
        if geometry is not None:
            folium.GeoJson({"type": "Feature", "properties": {"minutes": minutes}, "geometry": geometry},
                           # Not interactive: the grids under the rings keep their hover (the legend names the rings).
                           style_function=lambda _, c=colour, o=opacity: {"color": c, "weight": 1.5, "fillColor": c,
                                                                         "fillOpacity": o, "interactive": False},
                           ).add_to(group)
        group.add_to(m)
        counts[group.layer_name] = int(geometry is not None)
    counts.update(station_layers(m, map_data.stations(conn), kind=kind, at=at))
    mb.whatif(m, kind, at.strftime("%H:%M") if at else None)
    share = f"{100 * totals['share']:.1f}%" if totals and totals["share"] is not None else "未计算"
    when = at.strftime("%H:%M") if at else "全天"
    mb.panel(m, "驿站15分钟步行覆盖", [
        ("驿站类型", kind), ("时段", when), ("步行1000米内居民", share),
        ("覆盖/总居民", f"{totals['covered']:,} / {totals['residents']:,}" if totals else "—")],
        form=mb.form(mb.select("kind", "驿站类型", [(k, k) for k in (ANY_KIND, *STATION_KINDS)], kind),
                     f'<label>时刻 <input type="time" name="at" value="{at.strftime("%H:%M") if at else ""}">'
                     "</label>", mb.basemap_field(basemap)), note=note)
    # The legend follows the filters: the kind and hour measured, only the station kinds drawn.
    mb.legend(m, f"网格覆盖率（{'全部驿站' if kind == ANY_KIND else kind}，{when}，步行1000米）",
              [(c, label) for _, c, label in mb.SHARE_CLASSES] + [(mb.NO_DATA, "无居民或未计算")]
              + [(c, f"{k}") for k, c in mb.KIND_COLOURS.items() if kind in (ANY_KIND, k)]
              + [(c, f"{minutes:g}分钟步行圈") for minutes, c, _ in RINGS])
    return mb.finish(m, counts)


def _by_grid(conn: psycopg.Connection, kind: str, at: dt.time | None) -> tuple[list[dict] | None, str]:
    """Coverage per grid for any hour (computed on request), or None and why not (no walking network)."""
    try:
        return coverage.by_area(conn, "grid", kind=kind, at=at), ""
    except EmptyNetwork as exc:
        return None, str(exc)


def grid_features(conn: psycopg.Connection, *, kind: str, at: dt.time | None,
                  bbox: tuple[float, float, float, float] | None = None) -> dict:
    """Grids (within `bbox`, if given) with their coverage share as `fill` and a Chinese `label`."""
    shares = {r["code"]: r for r in _by_grid(conn, kind, at)[0] or []}
    grids = map_data.grids(conn, bbox)
    for feature in grids["features"]:
        p = feature["properties"]
        row = shares.get(p["code"])
        share = float(row["share"]) if row and row["share"] is not None else None
        p["fill"] = mb.share_colour(share)
        p["label"] = (f"{html.escape(p['name'])}（{html.escape(p['community_name'] or '')}）<br>居民 {p['residents']:,}"
                      f"<br>步行15分钟覆盖率 {f'{100 * share:.1f}%' if share is not None else '—'}")
    return grids


def station_layers(m: folium.Map, stations: list[dict], *, kind: str = ANY_KIND, at: dt.time | None = None,
                   show_planned: bool = False) -> dict[str, int]:
    """One layer per station kind (circle markers in the kind's colour, popups with services and hours).

    Only existing stations of `kind` open at `at` are drawn (planned ones too with `show_planned`).
    Each layer is one GeoJSON layer: one template for all its markers, not one per marker.
    """
    from geo.layers.stations import is_open

    counts = {}
    for name, colour in mb.KIND_COLOURS.items():
        if kind not in (ANY_KIND, name):
            continue
        features = []
        for s in stations:
            hours_ok = at is None or is_open(s["is_24h"], _time(s["opens"]), _time(s["closes"]), at)
            if s["kind"] != name or not hours_ok or (s["status"] != "existing" and not show_planned):
                continue
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                             "properties": {"code": s["code"], "name": s["name"],
                                            "state": "在运营" if s["status"] == "existing" else "规划",
                                            "hours": "7×24小时" if s["is_24h"] else f"{s['opens']}–{s['closes']}",
                                            "services": "、".join(s["services"]) or "—", "address": s["address"] or ""}})
        collection = {"type": "FeatureCollection", "features": features}
        group = folium.FeatureGroup(name=name)
        if features:
            folium.GeoJson(collection, marker=folium.CircleMarker(radius=6, color="#222", weight=1, fill=True,
                                                                  fill_color=colour, fill_opacity=0.95),
                           tooltip=folium.GeoJsonTooltip(["name"], labels=False),
                           popup=folium.GeoJsonPopup(["name", "state", "hours", "services", "address"],
                                                     aliases=["驿站", "状态", "开放", "服务", "地址"])).add_to(group)
        group.add_to(m)
        counts[name] = len(features)
    return counts


def _time(text: str | None) -> dt.time | None:
    return dt.time.fromisoformat(text) if text else None
