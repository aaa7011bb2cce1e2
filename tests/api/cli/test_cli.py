"""The `wangge` command line, called as a user would (in-process for speed)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from api.cli import main
from tests import factories


@pytest.fixture
def cli_database(make_database, monkeypatch: pytest.MonkeyPatch) -> str:
    url = make_database("cli")
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_migrate_then_load_a_folder(cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["migrate"]) == 0
    assert "无（已是最新）" in capsys.readouterr().out
    folder = factories.write_hierarchy(tmp_path / "layers")
    (folder / "notes.txt").write_text("not a layer", encoding="utf-8")
    assert main(["load", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "grids：读取8行，导入8行" in out and "notes.txt" in out
    with psycopg.connect(cli_database) as conn:
        assert conn.execute("SELECT count(*) FROM grids").fetchone()[0] == 8


def test_rejected_import_exits_1_and_names_file_row_field(cli_database: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "stations.csv"
    bad.write_text("code,name,kind,lon,lat\nS1,一号站,城市驿站,113.1,\n", encoding="utf-8")
    assert main(["load", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "stations.csv 第2行 字段“lat”：坐标为空" in err and "未写入任何数据" in err


def test_unknown_layer_name_is_explained(cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "roads.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert main(["load", str(path)]) == 1
    assert "没有名为“roads”的图层" in capsys.readouterr().err


def test_load_osm_then_circles(cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import pyrosm

    folder = factories.write_hierarchy(tmp_path / "layers")
    assert main(["load", str(folder)]) == 0
    assert main(["load-osm", pyrosm.get_data("test_pbf")]) == 0
    assert "条路段" in capsys.readouterr().out
    with psycopg.connect(cli_database) as conn:
        lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM network_nodes ORDER BY id LIMIT 1").fetchone()
    stations = tmp_path / "stations.csv"
    stations.write_text(f"code,name,kind,is_24h,lon,lat\nK1,科特卡站,城市驿站,是,{lon},{lat}\n", encoding="utf-8")
    # Kotka lies outside the tiny Changzhi district: the loader says so, and keeps it on request.
    assert main(["load", str(stations)]) == 1
    assert "不在任何区县辖区内" in capsys.readouterr().err
    assert main(["load", str(stations), "--accept-problems"]) == 0
    assert main(["circles", "--minutes", "10", "--workers", "1"]) == 0
    assert "重算1个驿站" in capsys.readouterr().out


def test_import_incidents_and_reassign(cli_database: str, demo_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load", str(demo_dir)]) == 0
    assert main(["import-incidents", str(demo_dir / "incidents.csv")]) == 1
    assert "未写入任何数据" in capsys.readouterr().err
    assert main(["import-incidents", str(demo_dir / "incidents.csv"), "--good-rows-only"]) == 0
    out = capsys.readouterr().out
    assert "读取32000行，新增31456件" in out and "辖区外待处理96件" in out
    with psycopg.connect(cli_database) as conn:
        conn.execute("UPDATE grids SET geom = ST_Translate(geom, 0.0005, 0) WHERE code = (SELECT min(code) FROM grids)")
        conn.commit()
    assert main(["reassign"]) == 0
    assert "网格内" in capsys.readouterr().out
