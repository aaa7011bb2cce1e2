"""The maps' colours: kinds, ranks and proposals never share a hue; kinds stay apart for colour-blind readers."""

from __future__ import annotations

import colorsys
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from web import palette

# Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB.
SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_HUE_GAP_DEG = 30
MIN_DELTA_E = 15  # CIE76 between two kinds as a colour-blind reader sees them


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _hue(hex_colour: str) -> float | None:
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(hex_colour))
    return None if s < 0.2 or lightness > 0.9 else 360 * h


def _gap(a: float, b: float) -> float:
    return min(abs(a - b), 360 - abs(a - b))


def test_kinds_ranks_and_proposals_never_share_a_hue() -> None:
    roles = {"kind": list(palette.KINDS.values()), "rank": list(palette.RAMP), "proposed": [palette.PROPOSED]}
    for (role_a, colours_a), (role_b, colours_b) in itertools.combinations(roles.items(), 2):
        for a, b in itertools.product(colours_a, colours_b):
            if _hue(a) is not None and _hue(b) is not None:
                assert _gap(_hue(a), _hue(b)) >= MIN_HUE_GAP_DEG, (role_a, a, role_b, b)
    assert all(_hue(c) is None for c in (*palette.RINGS.values(), palette.NO_DATA, palette.MARK))


@pytest.mark.parametrize("deficiency", sorted(SIMULATIONS))
def test_kinds_stay_apart_for_colour_blind_readers(deficiency: str) -> None:
    seen = {k: _lab(np.clip(SIMULATIONS[deficiency] @ _linear(_rgb(c)), 0, 1)) for k, c in palette.KINDS.items()}
    for (a, lab_a), (b, lab_b) in itertools.combinations(seen.items(), 2):
        assert np.linalg.norm(lab_a - lab_b) >= MIN_DELTA_E, (deficiency, a, b, np.linalg.norm(lab_a - lab_b))


def test_ramps_darken_step_by_step_for_every_reader() -> None:
    for matrix in SIMULATIONS.values():
        lightness = [_lab(matrix @ _linear(_rgb(c)))[0] for c in palette.RAMP]
        assert all(b < a - 4 for a, b in itertools.pairwise(lightness)), lightness
    assert palette.ramp(5)[0] == palette.RAMP[0] and palette.ramp(5)[-1] == palette.RAMP[-1]
    rings = [_lab(_linear(_rgb(palette.RINGS[m])))[0] for m in sorted(palette.RINGS)]
    assert rings == sorted(rings)  # the nearest ring the darkest


def test_no_map_or_page_script_keeps_a_colour_of_its_own() -> None:
    """Colours live in web/palette.py only (the base map's own style in basemap.js aside)."""
    web = Path(palette.__file__).parent
    sources = [*web.glob("map_*.py"), web / "static" / "walkarea.js", web / "static" / "whatif.js"]
    offenders = {p.name: re.findall(r"#[0-9a-fA-F]{6}\b", p.read_text(encoding="utf-8")) for p in sources}
    assert {name: found for name, found in offenders.items() if found} == {}
