"""/maps/siting/{scenario}: existing and proposed stations, newly covered areas, before/after figures."""

from __future__ import annotations

import datetime as dt
import html
import json

import folium
import psycopg

from geo import map_data
from geo.planning import scenarios, sites
from web import basemaps, palette
from web import map_base as mb
from web.map_coverage import station_layers

PROPOSED = palette.PROPOSED
NEWLY = "新增覆盖范围"
CIRCLES = "新站步行圈（完整）"
DOWNLOADS = (("csv", "CSV"), ("xlsx", "Excel"), ("gpkg", "GeoPackage"))  # (format, link text)


def page(conn: psycopg.Connection, scenario_id: int, *, basemap: str = basemaps.BLANK) -> str:
    """The map of one stored siting scenario as HTML."""
    scenario = scenarios.read(conn, scenario_id)
    inputs = scenario["inputs"]
    at = dt.time.fromisoformat(inputs["at"]) if inputs.get("at") else None
    m = mb.base_map(map_data.district_bounds(conn), basemap)
    circles = json.loads(scenarios.sites_geojson(conn, scenario_id, circles=True))
    gained = scenarios.newly_covered_geojson(conn, scenario_id)
    if gained is not None:  # the newly covered part only: what no counted station reached before
        folium.GeoJson({"type": "Feature", "properties": {}, "geometry": gained}, name=NEWLY,
                       style_function=lambda _: {"color": PROPOSED, "weight": 1, "fillColor": PROPOSED,
                                                 "fillOpacity": 0.35, "interactive": False}).add_to(m)
    folium.GeoJson(circles, name=CIRCLES, show=gained is None,
                   style_function=lambda _: {"color": PROPOSED, "weight": 1, "dashArray": "4 3",
                                             "fillColor": PROPOSED, "fillOpacity": 0.08 if gained else 0.25},
                   tooltip=mb.tooltip(circles, ["rank", "name", "newly_covered"],
                                      ["序号", "站址", "新增覆盖居民"])).add_to(m)
    counts = station_layers(m, map_data.stations(conn), kind=inputs["kind"], at=at)
    proposed = folium.FeatureGroup(name="建议新站")
    for site in sites.table(conn, scenario_id):
        label = html.escape(site["name"] or site["code"])
        folium.Marker((site["lat"], site["lon"]), tooltip=f"{site['rank']}. {label}",
                      popup=folium.Popup(_popup(site, label), max_width=300),
                      icon=folium.DivIcon(html=f'<div class="wg-site">{site["rank"]}</div>', icon_size=(22, 22),
                                          icon_anchor=(11, 11))).add_to(proposed)
    proposed.add_to(m)
    site_kind = inputs["kind"] if inputs["kind"] in mb.KIND_COLOURS else "城市驿站"
    mb.whatif(m, inputs["kind"], inputs.get("at"), sites=[
        {"lon": s["lon"], "lat": s["lat"], "kind": site_kind, "label": f"{s['rank']}. {s['name'] or s['code']}",
         "rank": s["rank"]} for s in scenario["sites_chosen"]], sites_layer="建议新站")
    counts.update({NEWLY: int(gained is not None), CIRCLES: len(circles["features"]),
                   "建议新站": len(scenario["sites_chosen"])})
    residents = scenario["residents"] or 1
    rows = "".join(f"<tr><td>{html.escape(s['street_name'] or s['street_code'])}</td>"
                   f"<td>{100 * s['covered_before'] / max(s['residents'], 1):.1f}%</td>"
                   f"<td>{100 * s['covered_after'] / max(s['residents'], 1):.1f}%</td></tr>"
                   for s in scenario["streets"])
    table = f'<table class="wg-streets"><tr><th>街道</th><th>现状</th><th>方案后</th></tr>{rows}</table>'
    downloads = " · ".join(f'<a href="/siting/scenarios/{scenario_id}/sites?format={fmt}" download>{label}</a>'
                           for fmt, label in DOWNLOADS)
    table += f'<p class="wg-downloads">下载站点：{downloads}</p>'
    mb.panel(m, f"选址方案：{scenario['name']}", [
        ("新站类型", inputs["kind"]), ("新增站点", f"{scenario['sites']}"),
        ("居民覆盖（现状）", f"{100 * scenario['covered_before'] / residents:.1f}%"),
        ("居民覆盖（方案后）", f"{100 * scenario['covered_after'] / residents:.1f}%"),
        ("新增覆盖居民", f"{scenario['covered_after'] - scenario['covered_before']:,}")],
        form=table, note=scenarios.verdict(scenario))
    mb.legend(m, "图例", [(PROPOSED, f"建议新站；新增覆盖范围（步行{inputs['limit_m']:g}米内、现有驿站未覆盖的部分）")]
              + [(c, k) for k, c in mb.KIND_COLOURS.items() if inputs["kind"] in ("全部", k)])
    m.get_root().header.add_child(folium.Element(
        f"<style>.wg-site{{background:{PROPOSED};color:#fff;border-radius:11px;width:22px;height:22px;"
        "line-height:22px;text-align:center;font-weight:bold;border:2px solid #fff}"
        ".wg-streets td,.wg-streets th{padding:1px 6px;font-size:12px}</style>"))
    return mb.finish(m, counts)


def _popup(site: dict[str, object], label: str) -> str:
    """A proposed site's popup: rank and name, address, premises, floor area, areas, residents, code."""
    def text(value: object) -> str:
        return html.escape(str(value)) if value not in (None, "") else "—"

    area = site["floor_area_m2"]
    lines = [("地址", text(site["address"])), ("场所类型", text(site["premises"])),
             ("面积", f"{area:,.0f}平方米" if area is not None else "—"),
             ("街道", text(site["street_name"])), ("社区", text(site["community_name"])),
             ("网格", text(site["grid_name"])), ("新增覆盖居民", f"{site['newly_covered']:,}"),
             ("站址编码", text(site["code"]))]
    return f"<b>{site['rank']}. {label}</b>" + "".join(f"<br>{key} {value}" for key, value in lines)
