"""Folium maps that work without the internet: every script and style from /static/vendor.

folium and branca write `<script src>` / `<link href>` tags pointing at CDNs (jsDelivr,
cdnjs, code.jquery.com, …). `make_offline(m)` makes the map's page take them from the
files vendored under `web/static/vendor/` (served by the app at `/static/vendor/`):

- every link is looked up in one table, `ASSETS` (CDN URL or URL prefix → local path);
  a CDN URL not in the table raises `OfflineAssetError` when the map is rendered, so a
  new plugin can never silently reach the internet;
- the parts of folium's default header no map here needs (Bootstrap, glyphicons, Font
  Awesome, Leaflet.awesome-markers) are dropped; a map using `folium.Icon`, which needs
  them, is refused (use `folium.DivIcon`, `folium.CircleMarker` or the default marker);
- the rendered page is checked: no `<script src>`, `<link href>`, `<img src>`, CSS
  `url()` or `@import` to another host.

The background is blank by default (`tiles=None`); optional basemaps are in web.basemaps.

Usage::

    m = blank_map([36.19, 113.12], zoom_start=13)
    folium.GeoJson(grids, name="网格").add_to(m)
    folium.LayerControl().add_to(m)
    html = render_html(m)                # str, for an HTMLResponse
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, Figure, Link
from folium.plugins import FastMarkerCluster

STATIC_DIR = Path(__file__).with_name("static")
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor/"

# CDN URL (exact) or URL prefix (ending in "/") → path under VENDOR_URL (a prefix maps to a
# folder prefix), or None for a default folium link that is dropped. Exact URLs win over
# prefixes; the file a link resolves to must exist under web/static/vendor.
ASSETS: dict[str, str | None] = {
    # Leaflet: folium 0.20 asks for 1.9.3; 1.9.4 is served.
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/": "leaflet/",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/": "leaflet/",
    "https://unpkg.com/leaflet@1.9.4/dist/": "leaflet/",
    # jQuery: folium.Popup parses its HTML with $(), and keep_in_front uses $(document).ready.
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    # leaflet.markercluster (MarkerCluster, FastMarkerCluster): folium asks for 1.1.0; 1.5.3 is served.
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/": "leaflet.markercluster/",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.5.3/": "leaflet.markercluster/",
    "https://unpkg.com/leaflet.markercluster@1.5.3/dist/": "leaflet.markercluster/",
    # d3 v3: branca's colour-scale legend (ColorMap.render adds it to the header).
    "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3/d3.min.js",
    "https://d3js.org/d3.v3.min.js": "d3/d3.min.js",
    # folium.plugins.Fullscreen: jsDelivr minifies on the fly; the npm package has only the plain file.
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css"
    ),
    # folium.Map's default header, not needed without folium.Icon (awesome markers): dropped.
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": None,
}

# Maximum zoom of a map that sets none: without tiles Leaflet has no maximum, which
# Leaflet.markercluster refuses ("Map has no maxZoom specified"). Level 18 ≈ 0.5 m per pixel here.
DEFAULT_MAX_ZOOM = 18

# A map page asks for no favicon (Chromium would otherwise request /favicon.ico).
_NO_FAVICON = '<link rel="icon" href="data:,">'
# References the browser fetches by itself: <script src>, <img src>, <iframe src>, <link href>,
# CSS url(...) and @import. Links (<a href>) and tile URL templates inside scripts are not matched.
_FETCHED_REFERENCE = re.compile(
    r"""<(?:script|img|iframe|source|video|audio)\b[^>]*?\ssrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*?\shref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|@import\s+["']((?:https?:)?//[^"'\s]+)""",
    re.IGNORECASE,
)
_AWESOME_MARKERS = "L.AwesomeMarkers"
# Replaces FastMarkerCluster's default callback, which makes awesome-marker icons.
_PLAIN_MARKER_CALLBACK = "var callback = function (row) { return L.marker(new L.LatLng(row[0], row[1])); };"


class OfflineAssetError(RuntimeError):
    """A map refers to a script, style or icon set that is not vendored under web/static/vendor."""


def local_url(url: str) -> str | None:
    """The URL under which the app serves `url`'s file, or None when `url` is dropped.

    Same-origin paths ("/static/...") and data: URLs are returned unchanged. A CDN URL is
    looked up in `ASSETS`. Raises `OfflineAssetError` for a URL not in the table, and for
    one whose vendored file is missing.
    """
    if url.startswith("data:") or (url.startswith("/") and not url.startswith("//")):
        local = url
    elif url in ASSETS:
        target = ASSETS[url]
        if target is None:
            return None
        local = VENDOR_URL + target
    else:
        prefixes = [p for p in ASSETS if p.endswith("/") and url.startswith(p)]
        if not prefixes:
            raise OfflineAssetError(
                f"{url} is not vendored: put the file under web/static/vendor/ and add its URL to "
                "web.offline.ASSETS (maps must not load anything from the internet)"
            )
        prefix = max(prefixes, key=len)
        target = ASSETS[prefix]
        if target is None:
            return None
        local = VENDOR_URL + target + url[len(prefix) :]
    if local.startswith(VENDOR_URL):
        path = VENDOR_DIR / local[len(VENDOR_URL) :].split("?", 1)[0]
        if not path.is_file():
            raise OfflineAssetError(f"{url} maps to {local}, but {path} does not exist")
    return local


class _OfflineHeader(Element):
    """A figure header that sends every script and style link through `local_url`."""

    def add_child(self, child: Element, name: str | None = None, index: int | None = None) -> Element:
        if isinstance(child, Link):
            url = local_url(child.url)
            if url is None:
                return self
            child.url = url
        return super().add_child(child, name=name, index=index)


class _OfflineFigure(Figure):
    """A figure whose rendered page is checked for anything fetched from another host."""

    def render(self, **kwargs: Any) -> str:
        _plain_fast_marker_clusters(self)
        html = super().render(**kwargs).replace("<html>", '<html lang="zh-CN">', 1)
        assert_offline(html)
        return html


def _walk(element: Element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _plain_fast_marker_clusters(figure: Figure) -> None:
    """Give FastMarkerClusters with folium's default callback (awesome markers) plain Leaflet markers."""
    for element in _walk(figure):
        if isinstance(element, FastMarkerCluster) and _AWESOME_MARKERS in element.callback:
            element.callback = _PLAIN_MARKER_CALLBACK


def make_offline(m: folium.Map) -> folium.Map:
    """Make `m`'s page load every script and style from /static/vendor; returns `m`.

    Works on the map's root figure, so it covers elements added before or after the call,
    whatever renders the page (`render_html`, `m.get_root().render()`, `m.save()`). Rendering
    raises `OfflineAssetError` for an unknown CDN link, for `folium.Icon` (awesome markers are
    not vendored) and for anything else the page would fetch from another host. A map with no
    maximum zoom gets `DEFAULT_MAX_ZOOM` (folium passes `max_zoom` only to its tiles). Idempotent.
    """
    m.options.setdefault("max_zoom", DEFAULT_MAX_ZOOM)
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("the map is not in a branca Figure")
    if not isinstance(figure, _OfflineFigure):
        # Same attributes, behaviour added: swapping the classes keeps everything already added.
        figure.__class__ = _OfflineFigure
        figure.header.__class__ = _OfflineHeader
        for name, child in list(figure.header._children.items()):
            if isinstance(child, Link):
                url = local_url(child.url)
                if url is None:
                    del figure.header._children[name]
                else:
                    child.url = url
        figure.header.add_child(Element(_NO_FAVICON), name="wangge_no_favicon")
    return m


def render_html(m: folium.Map) -> str:
    """The complete HTML page of map `m`, with every script and style taken from /static/vendor."""
    return make_offline(m).get_root().render()


def assert_offline(html: str, allowed_hosts: Sequence[str] = ()) -> None:
    """Raise `OfflineAssetError` if the page `html` would fetch anything from another host.

    Checks `<script src>`, `<img src>`, `<iframe src>`, `<link href>`, CSS `url()` and
    `@import` (tile layers, whose URLs are templates inside scripts, are not checked), and
    the use of Leaflet.awesome-markers (`folium.Icon`), which is not vendored. `allowed_hosts`
    are host names that may be referred to.
    """
    if _AWESOME_MARKERS in html:
        raise OfflineAssetError(
            "folium.Icon needs Leaflet.awesome-markers and Font Awesome, which are not vendored: "
            "use folium.DivIcon, folium.CircleMarker or Leaflet's default marker"
        )
    external = []
    for match in _FETCHED_REFERENCE.finditer(html):
        url = next(g for g in match.groups() if g)
        host = url.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
        if host not in allowed_hosts:
            external.append(url)
    if external:
        raise OfflineAssetError(f"the map page would load from other hosts: {', '.join(sorted(set(external)))}")


def blank_map(location: Sequence[float], zoom_start: int = 13, **kwargs: Any) -> folium.Map:
    """An offline folium map on a blank background, with a scale bar.

    `location` is [lat, lon] in degrees (WGS 84), `zoom_start` a Web Mercator zoom level;
    other keyword arguments go to `folium.Map` (e.g. `max_zoom`, `prefer_canvas`).
    """
    kwargs.setdefault("control_scale", True)
    m = folium.Map(location=list(location), zoom_start=zoom_start, tiles=None, **kwargs)
    return make_offline(m)
