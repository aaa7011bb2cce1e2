"""The monthly report's PDF of the demo year with its handling history (as `make data` loads it): six A4
pages, none blank, rendered to PNG by pdftoppm (poppler-utils) and kept in tests/artifacts/report/ to look
at; the figures it prints are those of /figures; the same through the command line; the same report drawn
twice gives the same bytes."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import numpy as np
import psycopg
import pytest
from PIL import Image

from api.cli import main
from data import demo_accounts
from geo.incidents import report
from geo.incidents.figures import Month
from tests.api.clients import app_client
from web import report_pdf
from web.dashboard import figure_text

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "report"
PAGES = 6
DPI = 40  # enough to tell a drawn page from a blank one, fast to render


@pytest.fixture(scope="module")
def url(make_demo_database) -> str:
    url = make_demo_database("report", history=True)
    with psycopg.connect(url) as conn:
        demo_accounts.create(conn)
        conn.commit()
    return url


@pytest.fixture(scope="module")
def month(url: str) -> Month:
    with psycopg.connect(url) as conn:
        return Month.of(conn.execute("SELECT max(reported_at) FROM incidents").fetchone()[0])


def pages_as_png(pdf: Path, prefix: str) -> list[Path]:
    """Every page of `pdf` as a PNG (pdftoppm), in page order."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(ARTIFACTS / prefix)], check=True)
    return sorted(ARTIFACTS.glob(f"{prefix}-*.png"))


def ink(png: Path) -> float:
    """The share of a page image's pixels that are not white."""
    with Image.open(png) as image:
        return float((np.asarray(image.convert("L")) < 235).mean())


def text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_report_has_six_drawn_pages_with_the_figures_of_figures(url: str, month: Month) -> None:
    with app_client(url, role=None) as client:
        answer = client.get("/reports/monthly", params={"month": str(month)},
                            headers={"Authorization": "Bearer demo-dispatcher"})
        district = client.get("/figures", params={"month": str(month), "level": "district"},
                              headers={"Authorization": "Bearer demo-viewer"}).json()[0]
        streets = client.get("/figures", params={"month": str(month), "level": "street"},
                             headers={"Authorization": "Bearer demo-viewer"}).json()
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert f"report-{month}.pdf" in answer.headers["content-disposition"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"report-{month}.pdf"
    pdf.write_bytes(answer.content)
    pngs = pages_as_png(pdf, "page")
    assert len(pngs) == PAGES
    for png in pngs:
        with Image.open(png) as image:
            width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01, png  # A4 portrait
        assert ink(png) > 0.02, f"{png} is blank"
    assert ink(pngs[3]) > 0.15 and ink(pngs[4]) > 0.15  # the two maps: grids filled
    title = text(pdf, 1)
    assert "网格化治理月报" in title and month.label in title
    for figure in ("incidents", "per_1000", "response_rate", "resolution_rate", "satisfaction_rate", "overdue_rate"):
        assert figure_text(figure, district[figure]) in title, figure
    table = text(pdf, 3)
    for street in streets:
        assert street["name"] in table and figure_text("overdue_rate", street["overdue_rate"]) in table


def test_the_command_line_writes_the_same_report(url: str, month: Month, tmp_path: Path, monkeypatch,
                                                capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "月报.pdf"
    assert main(["report", "--month", str(month), "--out", str(out)]) == 0
    assert "已写入" in capsys.readouterr().out
    assert len(pages_as_png(out, "cli")) == PAGES
    assert main(["report", "--month", "2099-01"]) == 1
    assert "2099年1月没有落入网格的事件" in capsys.readouterr().err


def test_the_same_report_gives_the_same_bytes(url: str, month: Month) -> None:
    with psycopg.connect(url) as conn:
        content = report.gather(conn, month, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    first = report_pdf.render(content)
    assert first.startswith(b"%PDF") and report_pdf.render(content) == first
    assert content.file_name.endswith(f"网格化治理月报-{month}.pdf")
