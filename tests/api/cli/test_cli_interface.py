"""The command line as a planner meets it: Chinese help and errors, --version, table/CSV/JSON output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from api.cli import main
from api.cli.output import emit
from api.cli.zh import kind_phrase

ROWS = [{"code": "1404030010", "name": "太行街道", "residents": 12000, "share": 0.5},
        {"code": "1404030020", "name": "英雄街道", "residents": 9000, "share": None}]
COLUMNS = (("code", "编码"), ("name", "名称"), ("residents", "居民"), ("share", "覆盖率"))


def test_bad_values_are_refused_in_chinese(capsys: pytest.CaptureFixture) -> None:
    for argv, expected in ((["access", "--at", "25:00"], "时刻须为 HH:MM"), (["site", "--k", "-1"], "--k"),
                           (["site", "--target", "120"], "须在0到100之间"), (["nonsense"], "无效的选择")):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        err = capsys.readouterr().err
        assert exited.value.code == 2 and "错误" in err and expected in err and "invalid" not in err


def test_help_is_chinese_with_defaults_and_examples(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["circles", "--help"])
    out = capsys.readouterr().out
    assert "用法：" in out and "（默认：4.0）" in out and "示例：" in out and "show this help" not in out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("wangge ")


def test_table_says_what_was_left_out_and_csv_json_hold_every_row() -> None:
    table = io.StringIO()
    emit(ROWS, COLUMNS, "table", top=1, hint="：--top 0 显示全部", out=table)
    assert "太行街道" in table.getvalue() and "英雄街道" not in table.getvalue()
    assert "另有1行未显示（共2行）" in table.getvalue()
    text = io.StringIO()
    emit(ROWS, COLUMNS, "csv", top=1, out=text)
    assert [r["name"] for r in csv.DictReader(io.StringIO(text.getvalue()))] == ["太行街道", "英雄街道"]
    text = io.StringIO()
    emit(ROWS, COLUMNS, "json", out=text)
    assert json.loads(text.getvalue())[1] == {"code": "1404030020", "name": "英雄街道", "residents": 9000, "share": None}


def test_kind_wording() -> None:
    assert kind_phrase("全部") == "任一类型驿站" and kind_phrase("城市驿站") == "城市驿站"
