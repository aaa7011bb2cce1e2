"""Check pages in a real browser: the app served by uvicorn, headless Chromium driven by Selenium.

`serve_app(app)` runs a FastAPI app with uvicorn in a thread on 127.0.0.1 and a free port;
`Browser` drives the system Chromium through the system chromedriver (Debian packages
`chromium`, `chromium-driver`; Selenium Manager never downloads anything). `Browser.open_page`
loads a page, waits until its Leaflet map is ready and the network is quiet, and returns a
`PageReport`: console errors, every request made (from Chromium's performance log), the
requests leaving the machine, failed requests, a JavaScript helper and a screenshot kept in
tests/artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
WINDOW_SIZE = (1280, 900)  # CSS pixels, also the size of the page and of its screenshots
ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

# Default readiness: the document is loaded and every Leaflet map on the page has its view set
# (a page may also set document.body.dataset.wanggeReady = "1" once it has drawn its layers).
READY_JS = """
if (document.readyState !== "complete" || typeof L === "undefined") return false;
if (document.body && document.body.dataset.wanggeReady === "1") return true;
const maps = Object.keys(window).filter(k => { try { return window[k] instanceof L.Map; } catch (e) { return false; } });
return maps.length > 0 && maps.every(k => window[k]._loaded);
"""
# Counts of what the Leaflet maps on the page draw (folium names them window.map_<id>).
MAP_STATS_JS = """
const out = {maps: 0, paths: 0, markers: 0, clusters: 0, clustered_markers: 0,
             geojson_features: 0, tile_layers: 0, by_map: {}};
if (typeof L === "undefined") return out;
for (const key of Object.keys(window)) {
  let m; try { m = window[key]; } catch (e) { continue; }
  if (!(m instanceof L.Map)) continue;
  out.maps += 1;
  const s = {paths: 0, markers: 0, clusters: 0, clustered_markers: 0, geojson_features: 0, tile_layers: 0};
  m.eachLayer(layer => {
    if (layer instanceof L.Path) s.paths += 1;
    else if (L.MarkerCluster && layer instanceof L.MarkerCluster) s.clusters += 1;
    else if (layer instanceof L.Marker) s.markers += 1;
    else if (layer instanceof L.TileLayer) s.tile_layers += 1;
    if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) s.clustered_markers += layer.getLayers().length;
    if (layer instanceof L.GeoJSON) s.geojson_features += layer.getLayers().length;
  });
  out.by_map[key] = s;
  for (const k of Object.keys(s)) out[k] += s[k];
}
return out;
"""


@dataclass
class LiveServer:
    """An app served on 127.0.0.1 by uvicorn in a thread of the test process."""

    app: FastAPI
    port: int

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of `path` (e.g. "/maps/coverage?kind=城市驿站")."""
        return self.base_url + (path if path.startswith("/") else "/" + path)


@contextlib.contextmanager
def serve_app(app: FastAPI, startup_timeout_s: float = 30.0) -> Iterator[LiveServer]:
    """Serve `app` on 127.0.0.1 and a free port while the block runs (lifespan included).

    Routes added to `app` afterwards are served too (Starlette looks them up per request).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the app did not start on 127.0.0.1:{port} (see the log above)")
        time.sleep(0.05)
    try:
        yield LiveServer(app=app, port=port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def is_local(url: str) -> bool:
    """Whether fetching `url` stays on this machine (loopback host, or data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class PageReport:
    """What loading one page did. `js` and `map_stats` query the page while it is still open."""

    name: str
    url: str
    console: list[dict[str, Any]]  # every browser-log entry: level, message, source, timestamp (ms)
    requests: list[str]  # every URL requested, in order (Network.requestWillBeSent)
    failed_requests: list[str]  # "URL: reason" for network errors and HTTP status >= 400
    screenshot: Path
    load_time_s: float  # from navigation start until ready and the network quiet
    _driver: Any = field(repr=False)

    @property
    def console_errors(self) -> list[str]:
        """Messages of the SEVERE console entries (JavaScript errors, failed loads)."""
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]

    @property
    def external_requests(self) -> list[str]:
        """Requested URLs that leave the machine (not loopback, data:, blob:, about:)."""
        return [u for u in self.requests if not is_local(u)]

    def js(self, script: str, *args: Any) -> Any:
        """Run `script` (a function body: use `return`) in the page; `arguments[i]` are `args`."""
        return self._driver.execute_script(script, *args)

    def js_async(self, script: str, *args: Any) -> Any:
        """Run `script` in the page and wait for it to call its last argument with the result."""
        return self._driver.execute_async_script(script, *args)

    def click(self, css: str, dx: int = 0, dy: int = 0) -> None:
        """A real mouse click on the element `css`, `dx`, `dy` pixels from its centre."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        element = self._driver.find_element(By.CSS_SELECTOR, css)
        ActionChains(self._driver).move_to_element_with_offset(element, dx, dy).click().perform()

    def drag(self, css: str, dx: int, dy: int) -> None:
        """Drag the element `css` by `dx`, `dy` pixels with the mouse, in small steps as a hand would."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        element = self._driver.find_element(By.CSS_SELECTOR, css)
        chain = ActionChains(self._driver).click_and_hold(element)
        for _ in range(5):
            chain.move_by_offset(dx // 5, dy // 5)
        chain.release().perform()

    def retake(self, name: str) -> Path:
        """A new screenshot of the page as it is now (after `js` changed it), as <screenshot dir>/<name>.png."""
        path = self.screenshot.with_name(f"{name}.png")
        self._driver.save_screenshot(str(path))
        return path

    def map_stats(self) -> dict[str, Any]:
        """Counts of what the page's Leaflet maps draw, summed over maps and per map (`by_map`).

        `paths`: vector layers (polygons, lines, circle markers); `markers`: markers shown on
        their own; `clusters`: cluster icons shown; `clustered_markers`: markers held by marker
        cluster groups; `geojson_features`: layers of L.GeoJSON groups; `tile_layers`: tile layers.
        """
        return self.js(MAP_STATS_JS)

    def counts(self) -> dict[str, int] | None:
        """The page's own count of features per layer (window.wanggeCounts), if it publishes one."""
        return self.js("return window.wanggeCounts === undefined ? null : window.wanggeCounts;")

    def assert_clean(self) -> None:
        """Fail unless the page logged no console error, fetched nothing remote and no request failed."""
        problems = []
        if self.console_errors:
            problems.append("console errors:\n  " + "\n  ".join(self.console_errors))
        if self.external_requests:
            problems.append("requests leaving the machine:\n  " + "\n  ".join(self.external_requests))
        if self.failed_requests:
            problems.append("failed requests:\n  " + "\n  ".join(self.failed_requests))
        assert not problems, f"{self.url} (screenshot {self.screenshot}):\n" + "\n".join(problems)


class Browser:
    """A headless Chromium (system package) driven by Selenium through the system chromedriver."""

    def __init__(self, screenshot_dir: Path = SCREENSHOT_DIR) -> None:
        for path in (CHROMIUM, CHROMEDRIVER):
            if not path.exists():
                raise RuntimeError(f"{path} is missing: run scripts/install-system.sh (Debian chromium, chromium-driver)")
        # Both paths are explicit, so Selenium Manager has nothing to find; were it run, it must
        # not go to the internet (it would download drivers and browsers).
        os.environ["SE_OFFLINE"] = "true"
        os.environ["SE_AVOID_STATS"] = "true"
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument("--window-size={},{}".format(*WINDOW_SIZE))
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.screenshot_dir = screenshot_dir
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        # The window holds the browser's (invisible) frame: make the page itself exactly WINDOW_SIZE.
        width, height = WINDOW_SIZE
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def close(self) -> None:
        """Quit Chromium and chromedriver."""
        self.driver.quit()

    def open_page(
        self,
        url: str,
        name: str | None = None,
        ready_js: str = READY_JS,
        timeout_s: float = 30.0,
        quiet_s: float = 0.5,
    ) -> PageReport:
        """Load `url`, wait for `ready_js` to return true and for `quiet_s` seconds without network
        activity, save a screenshot as <screenshot_dir>/<name>.png and report what happened.

        `name` defaults to the URL's path and query made file-safe. Raises TimeoutError when the
        page is not ready within `timeout_s` seconds (the screenshot and console are in the message).
        """
        name = name or _file_name(url)
        driver = self.driver
        driver.get("about:blank")
        self._drain()
        started = time.monotonic()
        driver.get(url)
        console: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        deadline = started + timeout_s
        while not self._ready(ready_js):
            if time.monotonic() > deadline:
                console += driver.get_log("browser")
                shot = self._screenshot(name)
                messages = "\n  ".join(e["message"] for e in console)
                raise TimeoutError(f"{url} not ready after {timeout_s} s (screenshot {shot}); console:\n  {messages}")
            time.sleep(0.05)
        # Let late requests (tiles, images, lazy scripts) start and finish.
        last_activity = time.monotonic()
        while time.monotonic() - last_activity < quiet_s and time.monotonic() < deadline:
            batch = self._network_events()
            if batch:
                events += batch
                last_activity = time.monotonic()
            time.sleep(0.05)
        events += self._network_events()
        console += driver.get_log("browser")
        load_time = time.monotonic() - started
        requests, failed = _requests(events)
        return PageReport(
            name=name,
            url=url,
            console=console,
            requests=requests,
            failed_requests=failed,
            screenshot=self._screenshot(name),
            load_time_s=load_time,
            _driver=driver,
        )

    def _ready(self, ready_js: str) -> bool:
        try:
            return bool(self.driver.execute_script(ready_js))
        except (WebDriverException, TimeoutException):
            return False

    def _drain(self) -> None:
        self.driver.get_log("performance")
        self.driver.get_log("browser")

    def _network_events(self) -> list[dict[str, Any]]:
        out = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method", "").startswith("Network."):
                out.append(message)
        return out

    def _screenshot(self, name: str) -> Path:
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.screenshot_dir / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


def _requests(events: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Requested URLs, and failures as "URL: reason", from DevTools Network events."""
    urls: dict[str, str] = {}
    requests: list[str] = []
    failed: list[str] = []
    for event in events:
        params = event.get("params", {})
        method = event["method"]
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            requests.append(url)
        elif method == "Network.responseReceived":
            status = params["response"].get("status", 0)
            if status >= 400:
                failed.append(f"{params['response']['url']}: HTTP {status}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            failed.append(f"{urls.get(params['requestId'], params['requestId'])}: {params.get('errorText')}")
    return requests, failed


def _file_name(url: str) -> str:
    parts = urlsplit(url)
    raw = (parts.path.strip("/") or "index") + (f"_{parts.query}" if parts.query else "")
    return re.sub(r"[^\w.-]+", "_", raw).strip("_")[:120] or "page"
