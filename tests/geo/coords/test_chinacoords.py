"""Tests for geo.coords.chinacoords against published vectors and the independent fast_geocn library."""

import warnings

import numpy as np
import pytest
from fast_geocn import coord as fast_geocn
from pyproj import Geod

from geo.coords import chinacoords as cc

GEOD = Geod(ellps="WGS84")
ONE_CM = 0.01
# Round-off allowance when comparing two inverses that both converge to float64 precision.
FLOAT_NOISE_DEG = 1e-12


def random_china_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(73.0, 135.0, n), rng.uniform(18.0, 53.0, n)


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def scalar_loop(func, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Apply a scalar-only (lon, lat) -> (lon, lat) function point by point."""
    out = np.array([func(float(x), float(y)) for x, y in zip(lon, lat, strict=True)])
    return out[:, 0], out[:, 1]


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    return random_china_points(100_000, seed=20240601)


@pytest.fixture(scope="module")
def sample() -> tuple[np.ndarray, np.ndarray]:
    # fast_geocn is pure-Python scalar code, so compare on a smaller sample.
    return random_china_points(3_000, seed=7)


# --- exactness of the inverses --------------------------------------------------------


def test_gcj02_round_trip_within_1cm(points):
    lon, lat = points
    back_lon, back_lat = cc.gcj02_to_wgs84(*cc.wgs84_to_gcj02(lon, lat))
    assert distance_m(lon, lat, back_lon, back_lat).max() < ONE_CM
    assert np.abs(back_lon - lon).max() < 1e-9 and np.abs(back_lat - lat).max() < 1e-9


def test_bd09_round_trip_within_1cm(points):
    lon, lat = points
    back_lon, back_lat = cc.bd09_to_gcj02(*cc.gcj02_to_bd09(lon, lat))
    assert distance_m(lon, lat, back_lon, back_lat).max() < ONE_CM
    back_lon, back_lat = cc.bd09_to_wgs84(*cc.wgs84_to_bd09(lon, lat))
    assert distance_m(lon, lat, back_lon, back_lat).max() < ONE_CM
    assert np.abs(back_lon - lon).max() < 1e-9 and np.abs(back_lat - lat).max() < 1e-9


def test_inverse_reproduces_target_through_forward(points):
    """Starting from GCJ-02/BD-09 values, forward(inverse(p)) must give p back."""
    lon, lat = points
    assert np.abs(np.subtract(cc.wgs84_to_gcj02(*cc.gcj02_to_wgs84(lon, lat)), (lon, lat))).max() < 1e-9
    assert np.abs(np.subtract(cc.gcj02_to_bd09(*cc.bd09_to_gcj02(lon, lat)), (lon, lat))).max() < 1e-9


# --- independent references --------------------------------------------------------


def test_forward_gcj02_matches_fast_geocn(sample):
    ref_lon, ref_lat = scalar_loop(fast_geocn.wgs84_to_gcj02, *sample)
    lon, lat = cc.wgs84_to_gcj02(*sample)
    assert np.abs(lon - ref_lon).max() < 1e-9
    assert np.abs(lat - ref_lat).max() < 1e-9


def test_gcj02_inverse_at_least_as_accurate_as_fast_geocn(sample):
    lon, lat = sample
    gcj_lon, gcj_lat = cc.wgs84_to_gcj02(lon, lat)
    ours = distance_m(lon, lat, *cc.gcj02_to_wgs84(gcj_lon, gcj_lat))
    theirs_lon, theirs_lat = scalar_loop(fast_geocn.gcj02_to_wgs84, gcj_lon, gcj_lat)
    assert ours.max() < ONE_CM
    ours_deg = np.abs(np.subtract(cc.gcj02_to_wgs84(gcj_lon, gcj_lat), (lon, lat))).max()
    theirs_deg = np.abs(np.subtract((theirs_lon, theirs_lat), (lon, lat))).max()
    assert ours_deg <= theirs_deg + FLOAT_NOISE_DEG


def test_bd09_inverse_at_least_as_accurate_as_fast_geocn(sample):
    # Each library's inverse is judged against its own forward formula (see next test).
    lon, lat = sample
    ours_lon, ours_lat = cc.bd09_to_gcj02(*cc.gcj02_to_bd09(lon, lat))
    bd_lon, bd_lat = scalar_loop(fast_geocn.gcj02_to_bd09, lon, lat)
    theirs_lon, theirs_lat = scalar_loop(fast_geocn.bd09_to_gcj02, bd_lon, bd_lat)
    ours = distance_m(lon, lat, ours_lon, ours_lat)
    theirs = distance_m(lon, lat, theirs_lon, theirs_lat)
    assert ours.max() < ONE_CM
    assert ours.max() <= theirs.max()


def test_published_coordtransform_vectors():
    """Vectors of wandergis/coordtransform, as used in hutool's and coordtransform-rs's tests.

    fast_geocn's gcj02_to_bd09 uses sin(y·π)/cos(x·π) instead of Baidu's sin(y·π·3000/180),
    which moves points by up to ~90 m, so BD-09 is checked against these vectors instead.
    """
    point = (116.404, 39.915)
    assert cc.wgs84_to_gcj02(*point) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)
    assert cc.gcj02_to_bd09(*point) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-12)
    # Their inverses are the approximate closed forms: ours must be within a few cm of them.
    assert cc.gcj02_to_wgs84(*point) == pytest.approx((116.39775550083061, 39.91359571849836), abs=1e-6)
    assert cc.bd09_to_gcj02(*point) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-6)


def test_changzhi_offset_is_a_few_hundred_metres():
    gcj = cc.wgs84_to_gcj02(113.11, 36.19)
    assert 100.0 < distance_m(113.11, 36.19, *gcj) < 1000.0
    bd = cc.wgs84_to_bd09(113.11, 36.19)
    assert 100.0 < distance_m(113.11, 36.19, *bd) < 2000.0


# --- domain edges and input handling ---------------------------------------------------


@pytest.mark.parametrize(
    "lon, lat", [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (72.0, 30.0), (100.0, 56.0)]
)
def test_outside_china_unchanged_by_gcj02(lon, lat):
    assert cc.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert cc.gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_mixed_array_only_converts_points_inside_china():
    lon, lat = np.array([2.35, 113.11, 2.35]), np.array([48.85, 36.19, 48.85])
    out_lon, out_lat = cc.wgs84_to_gcj02(lon, lat)
    assert out_lon[[0, 2]].tolist() == [2.35, 2.35] and out_lat[[0, 2]].tolist() == [48.85, 48.85]
    assert (out_lon[1], out_lat[1]) == cc.wgs84_to_gcj02(113.11, 36.19)


ALL_FUNCTIONS = [
    cc.wgs84_to_gcj02, cc.gcj02_to_wgs84, cc.gcj02_to_bd09,
    cc.bd09_to_gcj02, cc.wgs84_to_bd09, cc.bd09_to_wgs84,
]


@pytest.mark.parametrize("func", ALL_FUNCTIONS)
def test_nan_propagates_without_warnings(func):
    lon = np.array([np.nan, 113.11, 113.11, np.nan])
    lat = np.array([36.19, np.nan, 36.19, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out_lon, out_lat = func(lon, lat)
        scalar = func(np.nan, np.nan)
    assert np.isnan(out_lon[[0, 3]]).all() and np.isnan(out_lat[[1, 3]]).all()
    assert (out_lon[2], out_lat[2]) == func(113.11, 36.19)
    assert np.isnan(scalar).all()


@pytest.mark.parametrize("func", ALL_FUNCTIONS)
def test_scalar_gives_floats_and_arrays_keep_shape(func):
    lon, lat = func(113.11, 36.19)
    assert type(lon) is float and type(lat) is float
    grid_lon, grid_lat = np.full((2, 3), 113.11), np.full((2, 3), 36.19)
    out_lon, out_lat = func(grid_lon, grid_lat)
    assert out_lon.shape == out_lat.shape == (2, 3)
    assert out_lon.dtype == out_lat.dtype == np.float64
    assert (out_lon[1, 2], out_lat[1, 2]) == (lon, lat)
    assert (grid_lon == 113.11).all() and (grid_lat == 36.19).all()  # inputs untouched
    list_lon, _ = func([113.11, 113.11], [36.19, 36.19])
    assert isinstance(list_lon, np.ndarray) and list_lon.tolist() == [lon, lon]


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("WGS84", "WGS84"), ("wgs84", "WGS84"), ("wgs-84", "WGS84"),
        ("EPSG:4326", "WGS84"), ("epsg:4326", "WGS84"),
        ("CGCS2000", "CGCS2000"), ("cgcs2000", "CGCS2000"), ("epsg:4490", "CGCS2000"),
        ("GCJ02", "GCJ02"), ("gcj02", "GCJ02"), ("gcj-02", "GCJ02"), ("Gcj-02", "GCJ02"),
        ("BD09", "BD09"), ("bd09", "BD09"), ("bd-09", "BD09"),
    ],
)
def test_to_wgs84_accepts_aliases(name, canonical):
    assert cc.normalise_system(name) == canonical
    assert canonical in cc.COORD_SYSTEMS
    lon, lat = np.array([113.11, 116.404]), np.array([36.19, 39.915])
    expected = {
        "WGS84": (lon, lat),
        "CGCS2000": (lon, lat),
        "GCJ02": cc.gcj02_to_wgs84(lon, lat),
        "BD09": cc.bd09_to_wgs84(lon, lat),
    }[canonical]
    np.testing.assert_array_equal(cc.to_wgs84(lon, lat, name), expected)
    assert type(cc.to_wgs84(113.11, 36.19, name)[0]) is float


def test_coord_systems_are_the_canonical_names():
    assert cc.COORD_SYSTEMS == ("WGS84", "CGCS2000", "GCJ02", "BD09")


@pytest.mark.parametrize("name", ["", "UTM", "epsg:3857", "bd09mc", "gcj"])
def test_unknown_system_raises_with_accepted_names(name):
    with pytest.raises(ValueError) as excinfo:
        cc.to_wgs84(113.11, 36.19, name)
    message = str(excinfo.value)
    assert all(system in message for system in cc.COORD_SYSTEMS)
    with pytest.raises(ValueError):
        cc.normalise_system(name)
