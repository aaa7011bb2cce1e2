"""Loading layer files into the real PostGIS: good files, bad files, nesting and overlaps."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon

from geo.errors import ImportRejected, WanggeError
from geo.layers.loader import LoadOptions, load_directory, load_file
from tests import factories


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def loaded(conn, tmp_path: Path):
    """The tiny hierarchy loaded; returns the connection."""
    load_directory(conn, factories.write_hierarchy(tmp_path / "layers"), LoadOptions())
    return conn


def test_directory_load_keeps_attributes_and_geometry(loaded) -> None:
    assert [_count(loaded, t) for t in ("districts", "streets", "communities", "grids")] == [1, 2, 4, 8]
    code, workers, residents, wkt = loaded.execute(
        "SELECT code, workers, residents, ST_AsText(geom) FROM grids WHERE code = '140403002002002'").fetchone()
    assert workers == ["李四", "王五"] and residents == 520
    expected = factories.to_wgs84(factories.m_box(1500, 0, 2000, 1000))
    assert shapely.from_wkt(wkt).symmetric_difference(expected).area < 1e-14
    assert _count(loaded, "imports") == 4


def test_reloading_is_an_upsert_not_a_duplicate(loaded, tmp_path: Path) -> None:
    load_directory(loaded, factories.write_hierarchy(tmp_path / "again"), LoadOptions())
    assert _count(loaded, "grids") == 8


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    gdf.to_file(path)
    return path


def test_grid_outside_its_community_is_rejected_then_accepted_on_request(loaded, tmp_path: Path) -> None:
    grids = factories.hierarchy()["grids"]
    grids = grids[grids.code == "140403001001001"].copy()
    grids["geometry"] = [factories.to_wgs84(factories.m_box(0, 900, 500, 2000))]  # 100 m into the south
    path = _write(grids, tmp_path / "grids.gpkg")
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, path, None, LoadOptions())
    messages = [str(p) for p in err.value.problems]
    assert any("140403001001001" in m and "超出上级“140403001001”" in m for m in messages)
    # The 100 m x 500 m strip also overlaps the southern community's west grid.
    assert any("与“140403001002001”重叠" in m for m in messages)
    outside = [p for p in err.value.problems if "超出" in p.reason][0]
    assert outside.row == 1 and outside.source == "grids.gpkg"
    assert 49_000 < float(outside.reason.split("有")[1].split("平方米")[0]) < 51_000

    report = load_file(loaded, path, None, LoadOptions(accept_problems=True))
    assert len(report.accepted_problems) == 2
    logged = loaded.execute("SELECT problems FROM imports ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert len(logged) == 2


def test_overlap_check_agrees_with_shapely(loaded, tmp_path: Path) -> None:
    grids = factories.hierarchy()["grids"].to_crs(factories.UTM)
    shifted = grids[grids.code == "140403001001002"].copy()
    shifted["geometry"] = shifted.geometry.translate(-40, 0)  # 40 m onto its western neighbour
    # Shrink its east side so it stays inside the community: only the overlap is wrong.
    shifted["geometry"] = [g.intersection(factories.m_box(0, 1000, 1000, 2000)) for g in shifted.geometry]
    expected_m2 = shifted.geometry.iloc[0].intersection(grids[grids.code == "140403001001001"].geometry.iloc[0]).area
    path = _write(shifted.to_crs("EPSG:4326"), tmp_path / "grids.gpkg")
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, path, None, LoadOptions())
    (problem,) = err.value.problems
    assert "140403001001001" in problem.reason
    reported = float(problem.reason.split("重叠")[1].split("平方米")[0])
    assert reported == pytest.approx(expected_m2, rel=0.01)  # geodesic vs UTM area


def test_import_is_all_or_nothing_across_a_folder(conn, tmp_path: Path) -> None:
    folder = factories.write_hierarchy(tmp_path / "layers")
    grids = gpd.read_file(folder / "grids.gpkg")
    grids.loc[3, "community_code"] = "140403009009"
    grids.loc[3, "code"] = "140403009009001"
    grids.to_file(folder / "grids.gpkg")
    with pytest.raises(ImportRejected) as err:
        with conn.transaction():
            load_directory(conn, folder, LoadOptions())
    assert [(p.row, p.field) for p in err.value.problems] == [(4, "community_code")]
    assert _count(conn, "districts") == 0 and _count(conn, "streets") == 0


def test_grid_code_must_extend_its_community_code(loaded, tmp_path: Path) -> None:
    grids = factories.hierarchy()["grids"].head(1).copy()
    grids["code"] = ["140403001002001"]  # code of another community
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, _write(grids, tmp_path / "grids.gpkg"), None, LoadOptions())
    assert any(p.field == "code" and "与上级编码“140403001001”不一致" in p.reason for p in err.value.problems)


def test_invalid_geometry_repaired_when_unambiguous_rejected_otherwise(loaded, tmp_path: Path) -> None:
    ox, oy = factories.ORIGIN_UTM
    bowtie = Polygon([(ox + 100, oy + 100), (ox + 300, oy + 300), (ox + 300, oy + 100), (ox + 100, oy + 300)])
    overlapping = shapely.MultiPolygon([factories.m_box(600, 100, 800, 300), factories.m_box(700, 200, 900, 400)])
    buildings = factories.frame([
        {"code": "B1", "residents": 10, "geometry": bowtie},
        {"code": "B2", "residents": 20, "geometry": overlapping},
    ])
    path = _write(buildings, tmp_path / "buildings.gpkg")
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, path, None, LoadOptions())
    (problem,) = err.value.problems
    assert (problem.row, problem.field) == (2, "geometry") and "无法唯一修复" in problem.reason

    report = load_file(loaded, path, None, LoadOptions(on_error="skip"))
    assert report.rows_loaded == 1 and report.repaired_rows == [1]
    area, valid, grid = loaded.execute(
        "SELECT ST_Area(b.geom::geography), ST_IsValid(b.geom), g.code FROM buildings b "
        "JOIN grids g ON g.id = b.grid_id WHERE b.code = 'B1'").fetchone()
    assert valid and area == pytest.approx(2 * 200 * 100 / 2, rel=0.01)  # two triangles of 10,000 m² each
    assert grid == "140403001002001"


def _stations_csv(path: Path, rows: list[str]) -> Path:
    header = "code,name,kind,services,opens,closes,is_24h,lon,lat,coord_system"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    point = factories.to_wgs84(shapely.Point(factories.ORIGIN_UTM[0] + x_m, factories.ORIGIN_UTM[1] + y_m))
    return point.x, point.y


def test_csv_rows_with_bad_coordinates_are_named_by_line_and_field(loaded, tmp_path: Path) -> None:
    lon, lat = _lonlat(500, 500)
    path = _stations_csv(tmp_path / "stations.csv", [
        f"S1,一号站,城市驿站,\"休息,饮水\",,,是,{lon},{lat},WGS84",
        f"S2,二号站,城市驿站,休息,08:00,20:00,否,{lon},,WGS84",
        f"S3,三号站,城市驿站,休息,08:00,20:00,否,１１３.１,{lat},WGS84",
        f"S4,四号站,城市驿站,休息,08:00,20:00,否,{lat},{lon},WGS84",
        f"S5,五号站,城市驿站,洗澡,08:00,20:00,否,{lon},{lat},WGS84",
        f"S6,六号站,城市驿站,休息,08:00,20:00,否,{lon + 1},{lat},WGS84",
    ])
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, path, None, LoadOptions())
    found = {(p.row, p.field): p.reason for p in err.value.problems}
    assert found[(3, "lat")] == "坐标为空"
    assert "无法解析" in found[(4, "lon")]
    assert "颠倒" in found[(5, "geometry")]
    assert "洗澡" in found[(6, "services")]
    assert "不在任何区县辖区内" in found[(7, "geometry")]
    assert (2, "geometry") not in found
    assert _count(loaded, "stations") == 0

    report = load_file(loaded, path, None, LoadOptions(on_error="skip", accept_problems=False))
    assert report.rows_loaded == 1 and {p.row for p in report.skipped} == {3, 4, 5, 6, 7}


def test_gcj02_rows_are_converted_exactly(loaded, tmp_path: Path) -> None:
    from fast_geocn import coord  # an independent GCJ-02 implementation as reference

    lon, lat = _lonlat(700, 1300)
    g_lon, g_lat = coord.wgs84_to_gcj02(lon, lat)
    path = _stations_csv(tmp_path / "stations.csv", [f"S1,一号站,暖新驿站,休息,,,是,{g_lon},{g_lat},GCJ02"])
    load_file(loaded, path, None, LoadOptions())
    x, y = loaded.execute("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE code = 'S1'").fetchone()
    assert abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7  # about 1 cm


def test_projected_file_is_transformed_and_missing_crs_is_an_error(loaded, tmp_path: Path) -> None:
    ox, oy = factories.ORIGIN_UTM
    candidates = gpd.GeoDataFrame({"code": ["C1"]}, geometry=[shapely.Point(ox + 250, oy + 750)], crs=factories.UTM)
    load_file(loaded, _write(candidates, tmp_path / "candidates.gpkg"), None, LoadOptions())
    x, y = loaded.execute("SELECT ST_X(geom), ST_Y(geom) FROM candidates").fetchone()
    ref = Transformer.from_crs(factories.UTM, "EPSG:4326", always_xy=True).transform(ox + 250, oy + 750)
    assert np.allclose((x, y), ref, atol=1e-9)

    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    with pytest.warns(UserWarning, match="crs"):  # geopandas warns as a user would be warned
        candidates.set_crs(None, allow_override=True).to_file(shp_dir / "candidates.shp")
    archive = tmp_path / "candidates.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    with pytest.raises(WanggeError) as err:
        load_file(loaded, archive, None, LoadOptions())
    assert "未声明坐标系" in str(err.value)
    load_file(loaded, archive, None, LoadOptions(crs="EPSG:32649", replace=True))
    assert _count(loaded, "candidates") == 1

    with pytest.raises(WanggeError) as err:  # metres declared as degrees
        load_file(loaded, archive, None, LoadOptions(crs="EPSG:4326"))
    assert "坐标系声明可能有误" in str(err.value)


def test_network_without_topology_gets_nodes_and_geodesic_lengths(loaded, tmp_path: Path) -> None:
    ox, oy = factories.ORIGIN_UTM
    lines = [shapely.LineString([(ox + 100, oy + 100), (ox + 400, oy + 100)]),
             shapely.LineString([(ox + 400, oy + 100), (ox + 400, oy + 500)]),
             shapely.LineString([(ox + 400, oy + 500), (ox + 100, oy + 100)])]
    edges = gpd.GeoDataFrame({"kind": ["street"] * 3}, geometry=lines, crs=factories.UTM)
    load_file(loaded, _write(edges, tmp_path / "network_edges.geojson"), None, LoadOptions())
    assert _count(loaded, "network_nodes") == 3
    lengths = [r[0] for r in loaded.execute("SELECT length_m FROM network_edges ORDER BY id")]
    # UTM scale factor near the zone edge is within 0.1 % of 1
    assert lengths == pytest.approx([300, 400, 500], rel=1e-3)
    sources = loaded.execute("SELECT count(DISTINCT source) + count(DISTINCT target) FROM network_edges").fetchone()
    assert sources[0] == 6


def test_replacing_a_parent_that_still_has_children_is_refused(loaded, tmp_path: Path) -> None:
    communities = factories.hierarchy()["communities"].head(3)
    with pytest.raises(ImportRejected) as err:
        load_file(loaded, _write(communities, tmp_path / "communities.gpkg"), None, LoadOptions(replace=True))
    assert "仍被引用" in str(err.value)
    assert _count(loaded, "communities") == 4
