"""What every map shares: a blank background fitted to the district, a title panel with figures
and filters, a legend, a scale bar, a layer control, and a readiness flag for tests.

Leaflet and its plugins come from the app itself (web.offline); no page reaches the internet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import folium
from branca.element import Element, MacroElement, Template
from folium.map import FitBounds

from web import basemaps, palette
from web.map_print import NARROW_PX, print_layout
from web.offline import STATIC_URL, render_html

# Station kinds and their colours (also used by the legend); colours from web/palette.py.
KIND_COLOURS = palette.KINDS
# Coverage share classes (lower bound, colour, label), worst (darkest) first.
SHARE_CLASSES = tuple(zip((0.0, 0.5, 0.7, 0.85, 0.95), reversed(palette.ramp(5)),
                          ("< 50%", "50–70%", "70–85%", "85–95%", "≥ 95%"), strict=True))
NO_DATA = palette.NO_DATA


def share_colour(share: float | None) -> str:
    """Fill colour of a coverage share (0–1); grey when unknown."""
    if share is None:
        return NO_DATA
    return [colour for low, colour, _ in SHARE_CLASSES if share >= low][-1]


def steps_colour(value: float, steps: Sequence[float], colours: Sequence[str]) -> str:
    """Colour of `value` in ascending class breaks `steps` (len(colours) == len(steps) + 1)."""
    return colours[sum(value >= s for s in steps)]


def tooltip(collection: dict, fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonTooltip | None:
    """A GeoJSON tooltip of `fields` labelled `aliases`; None for an empty collection (folium refuses those)."""
    if not collection.get("features"):
        return None
    return folium.GeoJsonTooltip(list(fields), aliases=list(aliases))


# Above this many grids a grid layer is loaded by bounding box from /maps/data/grids instead of embedded.
EMBED_MAX_GRIDS = 1500


def grid_layer(m: folium.Map, name: str, grids: dict | str) -> folium.FeatureGroup:
    """A grid layer: features with `fill` (colour) and `label` (tooltip HTML) properties.

    `grids` is a FeatureCollection to embed, or the URL of /maps/data/grids to load from
    by the visible bounding box (again after every pan or zoom) for districts too large
    to embed.
    """
    group = folium.FeatureGroup(name=name)
    if isinstance(grids, dict):
        folium.GeoJson(grids, style_function=lambda f: {"color": "#666", "weight": 0.6, "fillOpacity": 0.55,
                                                        "fillColor": f["properties"]["fill"]},
                       tooltip=tooltip(grids, ["label"], [""])).add_to(group)
    else:
        loader = MacroElement()
        loader._template = Template("""{% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }}, group = {{ this._parent.get_name() }};
            var url = """ + json.dumps(grids) + """, seq = 0;
            function load() {
                var b = map.getBounds(), mine = ++seq;
                var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
                fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + box.join(","))
                    .then(function (r) { return r.json(); })
                    .then(function (fc) {
                        if (mine !== seq) { return; }
                        group.clearLayers();
                        L.geoJSON(fc, {
                            style: function (f) { return {color: "#666", weight: 0.6, fillOpacity: 0.55,
                                                          fillColor: f.properties.fill}; },
                            onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.label); }
                        }).addTo(group);
                        window.wanggeLoaded = (window.wanggeLoaded || 0) + 1;
                        window.wanggeLoadedFeatures = fc.features.length;
                    });
            }
            map.on("moveend", load);
            map.whenReady(load);
        })();
        {% endmacro %}""")
        group.add_child(loader)
    group.add_to(m)
    return group


def base_map(bounds: tuple[float, float, float, float], basemap: str = basemaps.BLANK) -> folium.Map:
    """A map fitted to `bounds` = (west, south, east, north) degrees, with a scale bar.

    Blank by default; `basemap` names a configured one (web.basemaps: tianditu, amap).
    """
    basemaps.check(basemap)
    west, south, east, north = bounds
    m = folium.Map(location=((south + north) / 2, (west + east) / 2), zoom_start=13, tiles=None,
                   control_scale=True, prefer_canvas=True, crs=basemaps.crs(basemap))
    basemaps.add(m, basemap)
    # No zoom animation: a layer loaded by view then asks once, for the view the map settles on.
    fit = FitBounds([[south, west], [north, east]])
    fit.options["animate"] = False
    m.add_child(fit)
    return m


def basemap_field(chosen: str) -> str:
    """The form's basemap choice, when more than the blank one is configured (else nothing)."""
    available = basemaps.choices()
    return select("basemap", "底图", available, chosen) if len(available) > 1 else ""


def panel(m: folium.Map, title: str, figures: Sequence[tuple[str, str]], form: str = "", note: str = "") -> None:
    """The title panel (top left): title, key figures (label, value), an optional filter form and note.

    The title is the page's <title> too.
    """
    m.get_root().title = html.escape(title)
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in figures)
    note_html = f'<p class="wg-note">{html.escape(note)}</p>' if note else ""
    _fixed(m, "wg-panel", "top:10px;left:54px;max-width:360px",
           f'<h1>{html.escape(title)}</h1><table>{rows}</table>{form}{note_html}'
           '<p><button type="button" class="wg-print" onclick="window.print()">打印 / 导出PDF</button> '
           f'<button type="button" class="wg-png" data-lib="{STATIC_URL}/vendor/html-to-image/html-to-image.js">'
           '导出PNG</button> <a href="/">返回首页</a></p>')


def legend(m: folium.Map, title: str, items: Sequence[tuple[str, str]]) -> None:
    """A legend (bottom right): a title and (colour, label) rows."""
    rows = "".join(f'<div><i style="background:{c}"></i>{html.escape(label)}</div>' for c, label in items)
    _fixed(m, "wg-legend", "bottom:30px;right:10px", f"<b>{html.escape(title)}</b>{rows}")


def select(name: str, label: str, options: Sequence[tuple[str, str]], chosen: str) -> str:
    """An HTML <select> of (value, label) options with `chosen` selected."""
    opts = "".join(f'<option value="{html.escape(v)}"{" selected" if v == chosen else ""}>{html.escape(t)}</option>'
                   for v, t in options)
    return f'<label>{html.escape(label)} <select name="{name}">{opts}</select></label>'


def form(*fields: str) -> str:
    """A GET form of the given HTML fields with a submit button (the page reloads with them)."""
    return f'<form method="get" class="wg-form">{"".join(fields)}<button type="submit">更新</button></form>'


def finish(m: folium.Map, counts: dict[str, int]) -> str:
    """Add the layer control and the readiness flag, make the page offline, and render it to HTML.

    `counts` (layer name → features drawn, -1 for layers loaded by view) is published as
    `window.wanggeCounts`, the layer control as `window.wanggeLayerControl`, and
    `document.body.dataset.wanggeReady` is set once the map has loaded, for browser tests.
    """
    control = folium.LayerControl(collapsed=False).add_to(m)
    walk_area(m)
    print_layout(m, m.get_root().title or "地图")
    m.get_root().header.add_child(Element(f"<style>{STYLE}</style>"))
    ready = MacroElement()
    ready._template = Template("""{% macro script(this, kwargs) %}
        window.wanggeCounts = """ + json.dumps(counts, ensure_ascii=False) + """;
        window.wanggePalette = """ + json.dumps(palette.for_pages()) + """;
        window.wanggeLayerControl = """ + control.get_name() + """;
        if (window.innerWidth <= """ + str(NARROW_PX) + """) { window.wanggeLayerControl.collapse(); }
        {{ this._parent.get_name() }}.whenReady(function () { document.body.dataset.wanggeReady = "1"; });
    {% endmacro %}""")
    m.add_child(ready)
    return render_html(m)


def walk_area(m: folium.Map, minutes: str = "5,10,15") -> None:
    """Click anywhere on `m` → its walking rings from GET /walk/area, with residents and buildings (web/static/walkarea.js)."""
    m.get_root().html.add_child(Element(f'<script src="{STATIC_URL}/walkarea.js"></script>'), name="wangge_walkarea")
    call = MacroElement()
    call._template = Template("""{% macro script(this, kwargs) %}
        wanggeWalkArea({{ this._parent.get_name() }}, """ + json.dumps(minutes) + """);
    {% endmacro %}""")
    m.add_child(call, name="wangge_walkarea_call")


def whatif(m: folium.Map, kind: str, at: str | None, sites: Sequence[dict] = (), sites_layer: str = "") -> None:
    """Proposed stations dropped and dragged on `m`, with what they change (POST /walk/whatif; web/static/whatif.js),
    and kept as a scenario on request (POST /siting/scenarios/manual).

    `kind` and `at` (HH:MM or None) are the coverage measure of the page; `sites` ({lon, lat, kind,
    label, rank}) a scenario's sites the planner may take up and drag, drawn by the layer `sites_layer`.
    """
    m.get_root().html.add_child(Element(f'<script src="{STATIC_URL}/whatif.js"></script>'), name="wangge_whatif")
    call = MacroElement()
    call._template = Template("""{% macro script(this, kwargs) %}
        wanggeWhatIf({{ this._parent.get_name() }}, """ + json.dumps(
            {"kind": kind, "at": at, "sites": list(sites), "sitesLayer": sites_layer}, ensure_ascii=False) + """);
    {% endmacro %}""")
    m.add_child(call, name="wangge_whatif_call")


def _fixed(m: folium.Map, css_class: str, position: str, inner: str) -> None:
    m.get_root().html.add_child(Element(
        f'<div class="wg-box {css_class}" style="position:fixed;z-index:1000;{position}">{inner}</div>'))


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.wg-box { background: rgba(255,255,255,.94); border: 1px solid #bbb; border-radius: 4px; padding: 8px 10px;
          font-size: 13px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
.wg-box h1 { font-size: 16px; margin: 0 0 6px; }
.wg-box table { border-collapse: collapse; }
.wg-box th { text-align: left; font-weight: normal; color: #555; padding: 1px 8px 1px 0; }
.wg-box td { font-weight: bold; }
.wg-form label { display: block; margin: 4px 0; }
.wg-note { color: #a33; margin: 6px 0 0; }
.leaflet-control-scale-line + .leaflet-control-scale-line { display: none; }  /* metric only */
.wg-walk, .wg-whatif { max-width: 260px; }
.wg-whatif-table th { text-align: left; font-weight: normal; padding-right: 8px; }
.wg-walk-table th, .wg-walk-table td { padding: 1px 6px 1px 0; text-align: right; }
.wg-walk-table th:first-child { text-align: left; }
.wg-walk-table i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.wg-walk-note { color: #666; margin: 4px 0 0; font-size: 12px; }
.wg-legend i { display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px;
               border: 1px solid #888; }
"""
