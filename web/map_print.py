"""Maps people can take away and read on a phone: a print layout, PNG export, collapsible panels.

Printing (the 打印 button, or the browser's own) shows the map with a title, the date, the legend,
the scale bar, a north arrow and the data source, and none of the controls (zoom, layer switch,
forms, the walking-rings and what-if panels). The browser's print dialog saves it as PDF; 导出PNG
saves the current view with the same layout as a PNG (web/static/export_png.js, html-to-image).
Every panel (`.wg-box`) can be folded to its first line; on a narrow screen (a phone) the panels
and the layer control start folded, so they never cover the area of interest.
"""

from __future__ import annotations

import datetime as dt
import html

import folium
from branca.element import Element

from geo.clock import CHINA_TZ
from web.offline import STATIC_URL

SOURCE = "数据来源：网格化治理 GIS 服务（本地数据：路网、楼栋、区划、驿站）"
NARROW_PX = 600

# A north arrow: the map is always north-up (Web Mercator, no rotation).
NORTH_ARROW = ('<svg width="28" height="40" viewBox="0 0 28 40" aria-label="指北针"><polygon points="14,2 24,30 14,24 4,30" '
               'fill="#222"/><text x="14" y="39" text-anchor="middle" font-size="11" font-weight="bold">N</text></svg>')

# What a map taken away shows (printed, or exported as PNG: body.wg-exporting): no controls, the print-only
# title, date, source and north arrow, every panel unfolded.
_HIDDEN = (".leaflet-control-zoom", ".leaflet-control-layers", ".leaflet-control-fullscreen", ".wg-form", ".wg-walk",
           ".wg-whatif", ".wg-fold", ".wg-print", ".wg-png", ".wg-panel a")


def _take_away(scope: str) -> str:
    """The rules of a map taken away, each selector prefixed by `scope`."""
    hidden = ", ".join(scope + selector for selector in _HIDDEN)
    return (f"{hidden} {{ display: none !important; }}\n{scope}.wg-print-only {{ display: block !important; }}\n"
            f"{scope}.wg-box.wg-folded > * {{ display: revert !important; }}\n{scope}.wg-box {{ box-shadow: none; }}")


CSS = f"""
.wg-fold {{ float: right; margin-left: 6px; border: 1px solid #bbb; background: #fff; border-radius: 3px;
           cursor: pointer; font-size: 12px; line-height: 16px; padding: 0 5px; }}
.wg-box.wg-folded > *:not(.wg-fold):not(h1):not(b:first-of-type):not(label:first-of-type) {{ display: none; }}
.wg-print-only {{ display: none; }}
.wg-north {{ position: fixed; z-index: 1000; top: 10px; right: 10px; }}
@media (max-width: {NARROW_PX}px) {{
  .wg-box {{ max-width: 70vw !important; font-size: 12px; padding: 5px 7px; }}
  .wg-box h1 {{ font-size: 14px; }}
}}
@media print {{
  {_take_away("")}
  @page {{ size: A4 landscape; margin: 8mm; }}
}}
{_take_away("body.wg-exporting ")}
"""

# Fold buttons on every panel; panels start folded on a narrow screen (the layer control too: web.map_base.finish).
SCRIPT = f"""
document.addEventListener("DOMContentLoaded", function () {{
  document.querySelectorAll(".wg-box").forEach(function (box) {{
    var fold = document.createElement("button");
    fold.type = "button"; fold.className = "wg-fold"; fold.title = "收起/展开";
    function label() {{ fold.textContent = box.classList.contains("wg-folded") ? "+" : "−"; }}
    fold.addEventListener("click", function (e) {{ e.stopPropagation(); box.classList.toggle("wg-folded"); label(); }});
    if (window.innerWidth <= {NARROW_PX} && !box.classList.contains("wg-print-only")) {{ box.classList.add("wg-folded"); }}
    label();
    box.insertBefore(fold, box.firstChild);
  }});
}});
"""


def print_layout(m: folium.Map, title: str, now: dt.datetime | None = None) -> None:
    """Add to `m`'s page: a 打印 button, the print-only title, date and source, a north arrow, fold buttons."""
    when = (now or dt.datetime.now(CHINA_TZ)).astimezone(CHINA_TZ)
    root = m.get_root()
    root.header.add_child(Element(f"<style>{CSS}</style>"), name="wangge_print_css")
    root.html.add_child(Element(
        f'<div class="wg-box wg-print-only" style="position:fixed;z-index:1001;top:10px;left:50%;'
        f'transform:translateX(-50%);text-align:center"><b style="font-size:18px">{html.escape(title)}</b><br>'
        f'制图日期：{when:%Y-%m-%d %H:%M}（北京时间）<br><span style="font-size:11px">{html.escape(SOURCE)}</span></div>'
        f'<div class="wg-north wg-print-only">{NORTH_ARROW}</div>'), name="wangge_print_header")
    root.html.add_child(Element(f"<script>{SCRIPT}</script>"), name="wangge_fold_script")
    root.html.add_child(Element(f'<script src="{STATIC_URL}/export_png.js"></script>'), name="wangge_export_png")
