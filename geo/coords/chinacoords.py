"""Vectorised conversions between WGS-84, GCJ-02 (AMap/Tencent) and BD-09 (Baidu) coordinates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
# Scalar input gives a pair of Python floats; any array-like input gives a pair of float64 arrays.
Coords = tuple[float, float] | tuple[FloatArray, FloatArray]

# Krasovsky 1940 ellipsoid, on which the GCJ-02 offsets are defined.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# Rough mainland-China box (common convention); GCJ-02 leaves points outside it unchanged.
CHINA_LON_MIN, CHINA_LON_MAX = 72.004, 137.8347
CHINA_LAT_MIN, CHINA_LAT_MAX = 0.8293, 55.8271

# The GCJ-02 offset series is evaluated relative to this origin (degrees).
GCJ_ORIGIN_LON, GCJ_ORIGIN_LAT = 105.0, 35.0
# Polynomial coefficients of the series: (1, x, y, x², y², xy, sqrt|x|).
GCJ_LAT_POLY = (-100.0, 2.0, 3.0, 0.0, 0.2, 0.1, 0.2)
GCJ_LON_POLY = (300.0, 1.0, 2.0, 0.1, 0.0, 0.1, 0.1)
# Sine terms as (amplitude, frequency in half-turns per degree); all are scaled by 2/3.
GCJ_HARMONIC_SCALE = 2.0 / 3.0
GCJ_SHARED_HARMONICS = ((20.0, 6.0), (20.0, 2.0))  # of x, in both offsets
GCJ_LAT_HARMONICS = ((20.0, 1.0), (40.0, 1.0 / 3.0), (160.0, 1.0 / 12.0), (320.0, 1.0 / 30.0))  # of y
GCJ_LON_HARMONICS = ((20.0, 1.0), (40.0, 1.0 / 3.0), (150.0, 1.0 / 12.0), (300.0, 1.0 / 30.0))  # of x

# BD-09 perturbs GCJ-02 in polar form, then shifts the result.
BD_X_PI = np.pi * 3000.0 / 180.0
BD_RADIUS_AMPLITUDE = 0.00002
BD_ANGLE_AMPLITUDE = 0.000003
BD_LON_SHIFT, BD_LAT_SHIFT = 0.0065, 0.006

# Inverses iterate w -= forward(w) - target until the residual is below this (float64 round-off).
INVERSE_TOLERANCE_DEG = 1e-12
INVERSE_MAX_ITERATIONS = 30

COORD_SYSTEMS: tuple[str, ...] = ("WGS84", "CGCS2000", "GCJ02", "BD09")
_ALIASES: dict[str, str] = {
    "WGS84": "WGS84", "WGS-84": "WGS84", "EPSG:4326": "WGS84",
    "CGCS2000": "CGCS2000", "EPSG:4490": "CGCS2000",
    "GCJ02": "GCJ02", "GCJ-02": "GCJ02",
    "BD09": "BD09", "BD-09": "BD09",
}

_Transform = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _series(x: FloatArray, y: FloatArray, poly: tuple[float, ...]) -> FloatArray:
    c1, cx, cy, cxx, cyy, cxy, csqrt = poly
    return c1 + cx * x + cy * y + cxx * x * x + cyy * y * y + cxy * x * y + csqrt * np.sqrt(np.abs(x))


def _harmonics(v: FloatArray, terms: tuple[tuple[float, float], ...]) -> FloatArray:
    return GCJ_HARMONIC_SCALE * sum(amp * np.sin(freq * np.pi * v) for amp, freq in terms)


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = (lon >= CHINA_LON_MIN) & (lon <= CHINA_LON_MAX) & (lat >= CHINA_LAT_MIN) & (lat <= CHINA_LAT_MAX)
    out_lon, out_lat = lon.copy(), lat.copy()
    lo, la = lon[inside], lat[inside]
    x, y = lo - GCJ_ORIGIN_LON, la - GCJ_ORIGIN_LAT
    shared = _harmonics(x, GCJ_SHARED_HARMONICS)
    # The series give offsets in metres; divide by the ellipsoid's radii of curvature.
    north_m = _series(x, y, GCJ_LAT_POLY) + shared + _harmonics(y, GCJ_LAT_HARMONICS)
    east_m = _series(x, y, GCJ_LON_POLY) + shared + _harmonics(x, GCJ_LON_HARMONICS)
    rad_lat = np.radians(la)
    w = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    meridian_radius = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * np.sqrt(w))
    parallel_radius = KRASOVSKY_A / np.sqrt(w) * np.cos(rad_lat)
    out_lon[inside] = lo + np.degrees(east_m / parallel_radius)
    out_lat[inside] = la + np.degrees(north_m / meridian_radius)
    return out_lon, out_lat


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    radius = np.hypot(lon, lat) + BD_RADIUS_AMPLITUDE * np.sin(lat * BD_X_PI)
    angle = np.arctan2(lat, lon) + BD_ANGLE_AMPLITUDE * np.cos(lon * BD_X_PI)
    return radius * np.cos(angle) + BD_LON_SHIFT, radius * np.sin(angle) + BD_LAT_SHIFT


def _invert(forward: _Transform) -> _Transform:
    """Build the exact inverse of `forward` by fixed-point iteration, point by point."""

    def inverse(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
        w_lon, w_lat = lon.copy(), lat.copy()
        todo = np.isfinite(lon) & np.isfinite(lat)  # NaN/inf points pass through untouched
        for _ in range(INVERSE_MAX_ITERATIONS):
            if not todo.any():
                break
            f_lon, f_lat = forward(w_lon[todo], w_lat[todo])
            err_lon, err_lat = f_lon - lon[todo], f_lat - lat[todo]
            w_lon[todo] -= err_lon
            w_lat[todo] -= err_lat
            todo[todo] = np.maximum(np.abs(err_lon), np.abs(err_lat)) >= INVERSE_TOLERANCE_DEG
        return w_lon, w_lat

    return inverse


def _apply(transform: _Transform, lon: ArrayLike, lat: ArrayLike) -> Coords:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    out_lon, out_lat = transform(np.atleast_1d(lon_a).copy(), np.atleast_1d(lat_a).copy())
    if lon_a.ndim == 0:
        return float(out_lon[0]), float(out_lat[0])
    return out_lon, out_lat


_gcj_to_wgs = _invert(_wgs_to_gcj)
_bd_to_gcj = _invert(_gcj_to_bd)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS-84 (EPSG:4326) degrees -> GCJ-02 degrees; points outside China's box are unchanged."""
    return _apply(_wgs_to_gcj, lon, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 degrees -> WGS-84 (EPSG:4326) degrees, exact inverse (residual < 1e-12 degrees)."""
    return _apply(_gcj_to_wgs, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 degrees -> BD-09 (Baidu) degrees."""
    return _apply(_gcj_to_bd, lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 (Baidu) degrees -> GCJ-02 degrees, exact inverse (residual < 1e-12 degrees)."""
    return _apply(_bd_to_gcj, lon, lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS-84 (EPSG:4326) degrees -> BD-09 (Baidu) degrees, via GCJ-02."""
    return _apply(lambda x, y: _gcj_to_bd(*_wgs_to_gcj(x, y)), lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 (Baidu) degrees -> WGS-84 (EPSG:4326) degrees, via GCJ-02; exact inverse."""
    return _apply(lambda x, y: _gcj_to_wgs(*_bd_to_gcj(x, y)), lon, lat)


def normalise_system(name: str) -> str:
    """Return the canonical name in COORD_SYSTEMS for a coordinate-system name or alias.

    Matching is case-insensitive and accepts "wgs-84", "epsg:4326", "epsg:4490", "gcj-02"
    and "bd-09". Raises ValueError for anything else.
    """
    canonical = _ALIASES.get(str(name).strip().upper())
    if canonical is None:
        accepted = ", ".join(sorted(_ALIASES))
        raise ValueError(f"Unknown coordinate system {name!r}; accepted (case-insensitive): {accepted}")
    return canonical


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: str) -> Coords:
    """Convert degrees in `system` (see normalise_system) to WGS-84 (EPSG:4326) degrees.

    CGCS2000 (EPSG:4490) is returned unchanged: it agrees with WGS-84 to within a metre,
    below the accuracy of the data this service handles. Raises ValueError for unknown systems.
    """
    transforms: dict[str, _Transform] = {
        "WGS84": lambda x, y: (x, y),
        "CGCS2000": lambda x, y: (x, y),
        "GCJ02": _gcj_to_wgs,
        "BD09": lambda x, y: _gcj_to_wgs(*_bd_to_gcj(x, y)),
    }
    return _apply(transforms[normalise_system(system)], lon, lat)
