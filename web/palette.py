"""Every colour the maps use, in one place, chosen so that people with colour-vision deficiency can read them.

- Kinds (station kinds) are four colours of the Okabe–Ito palette, made to stay apart under
  protanopia, deuteranopia and tritanopia.
- Ranks (coverage classes, counts per hexagon or grid) are one single-hue sequential ramp
  (ColorBrewer Purples): read by lightness alone, and a hue no kind uses.
- Walking rings are greys (no hue at all), drawn over ranks without being mistaken for one.
- What is proposed (what-if stations and the ground they gain, sites of a scenario) is
  Okabe–Ito's reddish purple, a hue neither kinds nor ranks use.

tests/web/test_palette.py checks these rules: hues of kinds, ranks and proposals at least
30° apart; every pair of kinds distinct under simulated protanopia, deuteranopia and tritanopia;
ramps monotone in lightness.
"""

from __future__ import annotations

KINDS = {"党群服务中心": "#d55e00", "党群服务驿站": "#e69f00", "城市驿站": "#0072b2", "暖新驿站": "#009e73"}
# Sequential ramp, light to dark (ColorBrewer Purples, 7 classes).
RAMP = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486")
NO_DATA = "#bdbdbd"
# Walking rings by minutes: outline and fill, darker for the nearer ring.
RINGS = {5.0: "#252525", 10.0: "#636363", 15.0: "#969696"}
PROPOSED = "#cc79a7"
PROPOSED_EDGE = "#8e3b6b"
INCIDENT = "#0072b2"
OVERDUE = "#d55e00"
MARK = "#000000"  # points that are neither kinds nor ranks (uncovered buildings)


def ramp(classes: int) -> tuple[str, ...]:
    """`classes` colours of RAMP (2–7), light to dark, spread over its whole range."""
    if not 2 <= classes <= len(RAMP):
        raise ValueError(f"a ramp has 2 to {len(RAMP)} classes, not {classes}")
    return tuple(RAMP[round(i * (len(RAMP) - 1) / (classes - 1))] for i in range(classes))


def for_pages() -> dict[str, object]:
    """The colours the page scripts draw with (web/static/*.js read them as window.wanggePalette)."""
    return {"rings": {f"{m:g}": c for m, c in RINGS.items()}, "proposed": PROPOSED, "proposedEdge": PROPOSED_EDGE}
