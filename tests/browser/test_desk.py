"""The desk and the phone in Chromium, signed in by Bearer token (no login form): filter, page, open, act;
report from a 375 px phone with its location and a photo."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
from PIL import Image
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from geo.incidents import handling, intake
from tests.api.clients import token
from tests.browser.harness import WINDOW_SIZE

PAGE_READY = "return document.readyState === 'complete';"
MAP_READY = "return document.readyState === 'complete' && window.wanggeMapReady === true;"


@contextmanager
def as_role(browser, role: str) -> Iterator[None]:
    """Every request of the browser carries the API token of `role` (the pages accept Bearer tokens)."""
    driver = browser.driver
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Bearer {token(role)}"}})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def _wait(check, timeout_s: float = 15.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            value = check()
        except WebDriverException:  # the page reloaded between finding an element and reading it
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the page did not change in time")


@pytest.fixture(scope="module")
def casework(browser_database_url: str) -> str:
    """The browser's demo database with a few hundred incidents of the last 60 days at various states."""
    rng = np.random.default_rng(16)
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(browser_database_url) as conn:
        if conn.execute("SELECT count(*) FROM incidents").fetchone()[0] < 300:
            points = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
                                  "WHERE system = '综合网格' ORDER BY code) AS s").fetchall()
            codes = sorted(intake.category_codes(conn))
            for k in range(300):
                lon, lat = points[int(rng.integers(len(points)))]
                at = now - dt.timedelta(hours=float(rng.uniform(1, 60 * 24)))
                incident_id, _ = intake.submit(conn, intake.IncidentIn(
                    "12345热线", str(rng.choice(codes)), at, description=f"测试事件{k}", lon=lon, lat=lat))
                if k % 3 == 1:
                    handling.act(conn, incident_id, "办理", actor="测试")
            conn.commit()
    return browser_database_url


def _count(url: str, where: str, params: tuple = ()) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM incidents AS i WHERE {where}", params).fetchone()[0]


def test_desk_filter_page_open_and_act(open_page, browser, casework: str) -> None:
    browser_database_url = casework
    with as_role(browser, "dispatcher"):
        page = open_page("/desk?open=1&limit=20", name="desk_queue", ready_js=PAGE_READY)
        page.assert_clean()
        driver = browser.driver
        assert int(driver.find_element(By.ID, "total").text.replace(",", "")) == _count(
            browser_database_url, "i.status <> '办结'")
        # Filter by one category through the form, as a dispatcher would.
        code = Select(driver.find_element(By.NAME, "category")).options[3].get_attribute("value")
        Select(driver.find_element(By.NAME, "category")).select_by_value(code)
        driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        _wait(lambda: f"category={code}" in driver.current_url)
        expected = _count(browser_database_url, "i.status <> '办结' AND i.category_code = %s", (code,))
        assert int(driver.find_element(By.ID, "total").text.replace(",", "")) == expected
        first_page = [r.get_attribute("data-id") for r in driver.find_elements(By.CSS_SELECTOR, "#queue tr[data-id]")]
        assert len(first_page) == min(20, expected) and expected > 0
        if expected > 20:  # the next page continues where this one stopped
            driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click()  # the pager above the table
            _wait(lambda: "offset=20" in driver.current_url)
            second = [r.get_attribute("data-id") for r in driver.find_elements(By.CSS_SELECTOR, "#queue tr[data-id]")]
            assert second and not set(second) & set(first_page)

        # Bulk: two incidents in 受理 move to 办理 at once.
        page = open_page("/desk?status=受理&sort=-reported&limit=20", name="desk_bulk", ready_js=PAGE_READY)
        boxes = driver.find_elements(By.CSS_SELECTOR, '#queue input[name="id"]')[:2]
        ids = [int(b.get_attribute("value")) for b in boxes]
        for box in boxes:
            box.click()
        Select(driver.find_element(By.CSS_SELECTOR, '.bulk select[name="action"]')).select_by_visible_text("办理")
        driver.find_element(By.CSS_SELECTOR, ".bulk button[type=submit]").click()
        _wait(lambda: "已执行2件" in driver.find_element(By.ID, "bulk-result").text)
        page.retake("desk_bulk_done")
        with psycopg.connect(browser_database_url) as conn:
            assert [r[0] for r in conn.execute("SELECT status FROM incidents WHERE id = ANY(%s) ORDER BY id",
                                               (ids,))] == ["办理", "办理"]

        # Open one incident and act on it: 反馈 by phone; the state and the audit row appear.
        incident_id = ids[0]
        page = open_page(f"/desk/incidents/{incident_id}", name="desk_incident", ready_js=MAP_READY)
        page.assert_clean()
        assert page.map_stats()["paths"] >= 1  # the incident (and its grid) on the map
        form = driver.find_element(By.CSS_SELECTOR, 'form[data-action="反馈"]')
        Select(form.find_element(By.NAME, "feedback_way")).select_by_visible_text("电话反馈")
        form.find_element(By.NAME, "note").send_keys("已电话告知处理结果")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _wait(lambda: driver.find_element(By.ID, "status").text == "反馈")
        _wait(lambda: driver.execute_script("return window.wanggeMapReady === true"))
        trail = driver.find_element(By.ID, "trail").text
        assert "已电话告知处理结果" in trail and "反馈方式：电话反馈" in trail and token("dispatcher") in trail
        page.retake("desk_incident_after")
        with psycopg.connect(browser_database_url) as conn:
            assert conn.execute("SELECT status, feedback_way FROM incidents WHERE id = %s",
                                (incident_id,)).fetchone() == ("反馈", "电话反馈")
            assert conn.execute("SELECT actor, note FROM incident_events WHERE incident_id = %s ORDER BY id DESC "
                                "LIMIT 1", (incident_id,)).fetchone() == (token("dispatcher"), "已电话告知处理结果")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def phone(browser) -> Iterator[None]:
    """The browser as a 375 px wide phone for one test."""
    driver = browser.driver
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
    try:
        yield
    finally:
        width, height = WINDOW_SIZE
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        driver.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})


def test_phone_reports_with_location_and_photo(open_page, browser, browser_database_url, phone, tmp_path) -> None:
    with psycopg.connect(browser_database_url) as conn:
        rows = conn.execute("SELECT code, ST_AsBinary(geom) FROM grids WHERE system = '综合网格'").fetchall()
    grids = gpd.GeoDataFrame({"code": [r[0] for r in rows]}, geometry=shapely.from_wkb([bytes(r[1]) for r in rows]))
    inside = grids.geometry.iloc[len(grids) // 2].representative_point()  # a point well inside one grid
    expected = grids.code[grids.geometry.covers(inside)].min()  # shapely, not the database's trigger
    driver = browser.driver
    driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride",
                           {"latitude": inside.y, "longitude": inside.x, "accuracy": 8})
    photo = tmp_path / "spot.jpg"
    photo.write_bytes(_jpeg())
    with as_role(browser, "grid_worker"):
        page = open_page("/m", name="phone", ready_js=PAGE_READY)
        page.assert_clean()
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        driver.find_element(By.ID, "locate").click()
        _wait(lambda: driver.find_element(By.NAME, "lon").get_attribute("value"))
        driver.find_element(By.NAME, "description").send_keys("路灯不亮，已拍照")
        driver.find_element(By.NAME, "photo").send_keys(str(photo))
        driver.find_element(By.CSS_SELECTOR, "#report-form button[type=submit]").click()
        result = _wait(lambda: driver.find_element(By.ID, "report-result").text if "已受理" in driver.find_element(
            By.ID, "report-result").text else None)
        page.retake("phone_reported")
        assert expected in result and "照片已上传" in result
    incident_id = int(result.split("事件")[1].split("，")[0])
    with psycopg.connect(browser_database_url) as conn:
        grid, channel, count = conn.execute(
            "SELECT g.code, i.channel, i.photo_count FROM incidents AS i JOIN grids AS g ON g.id = i.grid_id "
            "WHERE i.id = %s", (incident_id,)).fetchone()
        stored = conn.execute("SELECT bytes FROM incident_photos WHERE incident_id = %s", (incident_id,)).fetchone()[0]
    assert (grid, channel, count) == (expected, "现场", 1) and bytes(stored) == photo.read_bytes()
    assert shapely.Point(inside.x, inside.y).within(grids.geometry[grids.code == grid].iloc[0])
    with as_role(browser, "grid_worker"):
        page = open_page(f"/m/incidents/{incident_id}", name="phone_incident", ready_js=MAP_READY)
        page.assert_clean()
        assert driver.execute_script("return document.querySelectorAll('.photos img').length") == 1
        assert driver.execute_script("return document.querySelector('.photos img').naturalWidth") == 64
