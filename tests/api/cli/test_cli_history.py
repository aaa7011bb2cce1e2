"""`wangge import-history`, called as a user would (in-process for speed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main

HEAD_ROWS = 2000  # the first rows of the demo's history: a prefix of each incident's steps is a history too


@pytest.fixture
def cli_database(make_demo_database, monkeypatch: pytest.MonkeyPatch) -> str:
    url = make_demo_database("cli_history", incidents=True)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_import_history_once_then_nothing_new_and_bad_rows_named(cli_database: str, demo_dir: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    lines = (demo_dir / "incident_history.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head = tmp_path / "history.csv"
    head.write_text("".join(lines[:HEAD_ROWS + 1]), encoding="utf-8")
    assert main(["import-history", str(head)]) == 0
    out = capsys.readouterr().out
    assert f"读取{HEAD_ROWS}行" in out and f"写入{HEAD_ROWS}条记录" in out and "跳过0件" in out
    assert main(["import-history", str(head)]) == 0
    assert "0件事件写入0条记录" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "REQ-none,2026-01-01T08:00:00+08:00,调度员,办理,,,,,\n", encoding="utf-8")
    assert main(["import-history", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv 第2行 字段“request_id”：没有请求号为“REQ-none”的事件" in err and "未写入任何数据" in err
    assert main(["import-history", str(bad), "--good-rows-only"]) == 0
    assert "跳过的事件：REQ-none" in capsys.readouterr().out
