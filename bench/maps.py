"""Map pages: time to serve each page, its size, and time until interactive in Chromium,
for the demo district and for a district of 5,000 grids built from it.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. .venv/bin/python -m bench.maps [--grids 5000] [--repeat 5] [--no-large]

Issue #6: "Speed (bench/): Time to serve each map page and its size, for the demo and for a
generated district of 5,000 grids." Target: "The demo coverage page is under 2 MB and
interactive within 2 s." See bench/README.md ("Maps") for what every figure means.

Two throwaway databases on the server of DATABASE_URL (dropped at the end, even on error):

1. *demo*: the generated demo district (476 grids), its good incidents, nearest-station
   access (any hour and 22:00), walking circles, gaps and one siting scenario (k = 5).
2. *large*: the demo, then its streets, communities, grids, buildings, stations and located
   incidents copied by SQL as whole tiles (ST_Translate in degrees: a benchmark, not
   geography) until there are at least --grids grids, with new valid codes. The walking
   network is not copied: buildings and stations of the copies lie more than the snapping
   limit (500 m) from it, so they are off the network (uncovered; no circles), but every
   page draws and ships the real number of grids, buildings and incidents.

The app (`api.app.create_app`) is served by uvicorn in a thread of this process on
127.0.0.1 (`tests.browser.harness.serve_app`). Per page: one warm-up request (reported: the
first request computes and stores the ring unions), then the median of --repeat requests
(httpx, `Accept-Encoding: gzip`, to the last byte); the HTML's size raw and as sent gzipped;
then headless Chromium (`tests.browser.harness.Browser`, cache disabled) from navigation start
until the page is ready: `document.body.dataset.wanggeReady === "1"`, and for pages whose
grids are loaded by view also until the map has stopped moving and the `/maps/data/grids`
answer for the box it shows is drawn (`window.wanggeLoaded` incremented after the last
fetch; the first answer, for the view before fitBounds' zoom animation, is not enough), then
the next animation frame; the bytes transferred (navigation + every resource, from the
Resource Timing entries), the requests made, and those leaving 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import math
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

from bench import network as netgen

try:  # the project's dev extra installs httpx2; plain httpx has the same API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

CST = dt.timezone(dt.timedelta(hours=8))
DEFAULT_SEED = 20261122
TARGET_BYTES = 2_000_000  # "under 2 MB": 2,000,000 bytes (stricter than 2 MiB)
TARGET_INTERACTIVE_S = 2.0
SNAP_MARGIN_M = 600.0  # copies lie farther than this from the demo (the snapping limit is 500 m)
EVENING = dt.time(22, 0)

# Injected into every document before its own scripts (CDP Page.addScriptToEvaluateOnNewDocument).
# Records, in ms from navigation start: when the page says it is ready (data-wangge-ready, set by
# web.map_base.finish; the load event for a page without a map) and the next frame after it; for
# pages loading grids by view (a count of -1 in window.wanggeCounts), every /maps/data/grids fetch
# issued, every answer drawn (window.wanggeLoaded incremented) and the frame after each draw.
# The page draws an answer only if no later fetch was issued meanwhile, so the first draw after the
# last fetch is the grids of the view the map settles on.
PROBE_JS = r"""
(function () {
  var wg = window.__wgBench = {ready: null, readyFrame: null, load: null, byView: null,
                               fetches: [], urls: [], draws: [], frames: []};
  var loaded, nativeFetch = window.fetch;
  function afterFrame(done) { requestAnimationFrame(function () { setTimeout(function () { done(performance.now()); }, 0); }); }
  function markReady(t) {
    if (wg.ready !== null) { return; }
    wg.ready = t;
    var counts = window.wanggeCounts || {};
    wg.byView = Object.keys(counts).some(function (k) { return counts[k] === -1; });
    afterFrame(function (f) { wg.readyFrame = f; });
  }
  window.fetch = function (input) {
    var u = String(input && input.url ? input.url : input);
    if (u.indexOf("/maps/data/grids") >= 0) { wg.fetches.push(performance.now()); wg.urls.push(u); }
    return nativeFetch.apply(this, arguments);
  };
  Object.defineProperty(window, "wanggeLoaded", {configurable: true,
    get: function () { return loaded; },
    set: function (v) {
      loaded = v;
      var i = wg.draws.length;
      wg.draws.push(performance.now());
      afterFrame(function (f) { wg.frames[i] = f; });
    }});
  new MutationObserver(function () {
    if (document.body && document.body.dataset.wanggeReady === "1") { markReady(performance.now()); }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-wangge-ready"]});
  window.addEventListener("load", function () {
    wg.load = performance.now();
    if (!document.querySelector(".folium-map")) { markReady(wg.load); }  // a page without a map
  });
})();
"""
# Ready to measure: the page is ready; with grids by view, also the map has stopped moving (no
# zoom animation), the last grids fetch asked for the box the map shows, and its answer is drawn.
READY_JS = """
const w = window.__wgBench;
if (!w || w.readyFrame === null) { return false; }
if (!w.byView) { return true; }
const n = w.fetches.length;
if (n === 0 || !w.draws.some((t, i) => t > w.fetches[n - 1] && w.frames[i] !== undefined)) { return false; }
for (const key of Object.keys(window)) {
  let m; try { m = window[key]; } catch (e) { continue; }
  if (!(m instanceof L.Map)) { continue; }
  if (m._animatingZoom || (m._panAnim && m._panAnim._inProgress)) { return false; }
  const b = m.getBounds();
  const box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(5)).join(",");
  return w.urls[n - 1].endsWith("bbox=" + box);
}
return false;
"""
TRANSFER_JS = """
const nav = performance.getEntriesByType("navigation")[0];
const res = performance.getEntriesByType("resource").map(e => [e.name, e.transferSize, e.decodedBodySize]);
return {nav: nav ? nav.transferSize : 0, nav_decoded: nav ? nav.decodedBodySize : 0, resources: res,
        probe: window.__wgBench, feats: window.wanggeLoadedFeatures === undefined ? null : window.wanggeLoadedFeatures};
"""


# ---------------------------------------------------------------- districts

@dataclass
class District:
    label: str
    url: str
    grids: int = 0
    buildings: int = 0
    stations: int = 0
    incidents: int = 0
    circles: int = 0
    scenario: int = 0
    period: tuple[dt.date, dt.date] | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)
    note: str = ""


def timed(district: District, name: str, fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    district.steps.append((name, time.perf_counter() - t))
    return out


def load_demo(district: District, demo_dir: Path, conn: psycopg.Connection) -> None:
    """The demo layers and its good incidents, committed."""
    from geo.incidents import csv_import as incident_import
    from geo.layers.loader import LoadOptions, load_directory

    timed(district, "load demo", load_directory, conn, demo_dir, LoadOptions())
    conn.commit()
    timed(district, "import incidents", incident_import.import_csv, conn, demo_dir / "incidents.csv",
          good_rows_only=True)
    conn.commit()


def compute(district: District, conn: psycopg.Connection, workers: int) -> None:
    """Access (any hour, 22:00), circles, gaps and one scenario, each committed; then the counts."""
    from geo import map_data
    from geo.planning import scenarios
    from geo.walking import access, gaps
    from geo.walking import store as circle_store
    from geo.walking.access import ANY_KIND
    from geo.walking.circles import WalkParams

    timed(district, "access", access.recompute, conn)
    conn.commit()
    timed(district, "access 22:00", access.recompute, conn, at=EVENING)
    conn.commit()
    report = timed(district, "circles", circle_store.recompute, conn, WalkParams(), workers=workers)
    conn.commit()
    # As `wangge circles` does: the default page's ring unions made once (a GET reads, never stores them).
    for minutes in WalkParams().minutes:
        timed(district, f"ring union {minutes:g} min", map_data.store_ring_union, conn, kind=ANY_KIND, at=None,
              minutes=minutes)
    conn.commit()
    timed(district, "gaps", gaps.recompute, conn)
    conn.commit()
    district.scenario = timed(district, "scenario k=5", scenarios.run, conn,
                              scenarios.ScenarioInputs("bench", kind="全部", k=5))
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    district.grids, district.buildings, district.stations, district.incidents, district.circles = conn.execute(
        "SELECT (SELECT count(*) FROM grids JOIN assignment_settings s ON s.grid_system = grids.system), "
        "(SELECT count(*) FROM buildings), (SELECT count(*) FROM stations), "
        "(SELECT count(*) FROM incidents WHERE geom IS NOT NULL), (SELECT count(*) FROM walk_circles)").fetchone()
    first, last = conn.execute("SELECT min(reported_at), max(reported_at) FROM incidents").fetchone()
    district.period = (first.astimezone(CST).date(), last.astimezone(CST).date())
    if report.off_network:
        district.note = f"{len(report.off_network)} stations off the network (no circles)"


def replicate(district: District, conn: psycopg.Connection, target_grids: int) -> tuple[int, int, float, float]:
    """Copy the demo's administrative layers, buildings, stations and incidents as translated tiles.

    Tiles are laid out in rows of ceil(sqrt(n)) and translated by whole multiples of the demo's
    extent (streets, stations, buildings and the walking network) widened by SNAP_MARGIN_M on
    every side. New codes: street serial k × stride + old serial (stride = the demo's largest
    street serial), communities and grids keep their own suffixes under the new street code.
    Returns (tiles, columns, step in lon, step in lat).
    """
    demo_grids = conn.execute("SELECT count(*) FROM grids JOIN assignment_settings s ON s.grid_system = grids.system"
                              ).fetchone()[0]
    tiles = max(1, math.ceil(target_grids / demo_grids))
    cols = math.ceil(math.sqrt(tiles))
    west, south, east, north = conn.execute("""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(g) AS e FROM (
            SELECT geom AS g FROM streets UNION ALL SELECT geom FROM stations
            UNION ALL SELECT geom FROM buildings UNION ALL SELECT geom FROM network_edges) AS u) AS x""").fetchone()
    mid_lat = math.radians((south + north) / 2)
    margin_lat = SNAP_MARGIN_M / 111_320.0
    margin_lon = SNAP_MARGIN_M / (111_320.0 * math.cos(mid_lat))
    step_x = round(east - west + 2 * margin_lon, 4)
    step_y = round(north - south + 2 * margin_lat, 4)
    stride = conn.execute("SELECT max(substr(code, 7, 3)::int) FROM streets").fetchone()[0]
    if (tiles - 1) * stride + stride > 999:
        raise SystemExit(f"{tiles} tiles of {stride} streets do not fit 3-digit street serials")
    conn.execute("CREATE TEMP TABLE bench_tiles (k int PRIMARY KEY, dx float8, dy float8) ON COMMIT DROP")
    with conn.cursor().copy("COPY bench_tiles (k, dx, dy) FROM STDIN") as copy:
        for k in range(1, tiles):
            row, col = divmod(k, cols)
            copy.write_row((k, col * step_x, -row * step_y))
    new_code = "left({c}, 6) || lpad((t.k * %(stride)s + substr({c}, 7, 3)::int)::text, 3, '0') || substr({c}, 10)"
    p = {"stride": stride}
    t = time.perf_counter()
    conn.execute(f"""
        INSERT INTO streets (code, name, district_code, attrs, geom)
        SELECT {new_code.format(c="s.code")}, s.name || '·' || t.k, s.district_code, s.attrs,
               ST_Translate(s.geom, t.dx, t.dy)
        FROM streets AS s CROSS JOIN bench_tiles AS t""", p)
    conn.execute(f"""
        INSERT INTO communities (code, name, street_code, attrs, geom)
        SELECT {new_code.format(c="c.code")}, c.name || '·' || t.k, left({new_code.format(c="c.code")}, 9),
               c.attrs, ST_Translate(c.geom, t.dx, t.dy)
        FROM communities AS c CROSS JOIN bench_tiles AS t
        WHERE substr(c.code, 7, 3)::int <= %(stride)s""", p)
    conn.execute(f"""
        INSERT INTO grids (code, system, name, community_code, kind, households, residents, leader, workers,
                           party_group, attrs, geom)
        SELECT {new_code.format(c="g.code")}, g.system, g.name || '·' || t.k, left({new_code.format(c="g.code")}, 12),
               g.kind, g.households, g.residents, g.leader, g.workers, g.party_group, g.attrs,
               ST_Translate(g.geom, t.dx, t.dy)
        FROM grids AS g CROSS JOIN bench_tiles AS t
        WHERE substr(g.code, 7, 3)::int <= %(stride)s""", p)
    conn.execute(f"""
        INSERT INTO buildings (code, name, kind, floors, households, residents, compound, grid_id, attrs, geom)
        SELECT b.code || '-' || lpad(t.k::text, 2, '0'), b.name, b.kind, b.floors, b.households, b.residents,
               b.compound || '·' || t.k, g2.id, b.attrs, ST_Translate(b.geom, t.dx, t.dy)
        FROM buildings AS b CROSS JOIN bench_tiles AS t
        LEFT JOIN grids AS g ON g.id = b.grid_id
        LEFT JOIN grids AS g2 ON g2.system = g.system AND g2.code = {new_code.format(c="g.code")}
        WHERE b.code NOT LIKE '%%-%%'""", p)
    conn.execute("""
        INSERT INTO stations (code, name, kind, services, opens, closes, is_24h, status, address, attrs, geom)
        SELECT s.code || '-' || lpad(t.k::text, 2, '0'), s.name || '·' || t.k, s.kind, s.services, s.opens, s.closes,
               s.is_24h, s.status, s.address, s.attrs, ST_Translate(s.geom, t.dx, t.dy)
        FROM stations AS s CROSS JOIN bench_tiles AS t
        WHERE s.code NOT LIKE '%-%'""")
    district.steps.append(("copy layers (SQL)", time.perf_counter() - t))
    # Incidents go through the table's triggers (grid assignment, duplicate links, 受理 event).
    t = time.perf_counter()
    conn.execute("""
        INSERT INTO incidents (request_id, channel, category_code, description, reporter_name, reporter_phone,
                               reported_at, attrs, geom, coord_system, handling_type, department, deadline,
                               received_at, status, responded_at, closed_at, satisfied)
        SELECT i.request_id || '-' || lpad(t.k::text, 2, '0'), i.channel, i.category_code, i.description,
               i.reporter_name, i.reporter_phone, i.reported_at, i.attrs, ST_Translate(i.geom, t.dx, t.dy),
               i.coord_system, i.handling_type, i.department, i.deadline, i.received_at, i.status,
               i.responded_at, i.closed_at, i.satisfied
        FROM bench_tiles AS t CROSS JOIN incidents AS i
        WHERE i.geom IS NOT NULL
        ORDER BY t.k, i.reported_at, i.id""")
    district.steps.append(("copy incidents (SQL, triggers)", time.perf_counter() - t))
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    return tiles, cols, step_x, step_y


# ---------------------------------------------------------------- measuring

@dataclass
class PageRow:
    name: str
    path: str
    status: int = 0
    warm_s: float = float("nan")
    server_s: float = float("nan")
    server_spread: tuple[float, float] = (float("nan"), float("nan"))
    raw_bytes: int = 0
    gzip_bytes: int = 0
    interactive_s: float | None = None
    ready_s: float | None = None
    load_s: float | None = None
    transfer_bytes: int | None = None
    requests: int | None = None
    external: list[str] = field(default_factory=list)
    console_errors: int = 0
    by_view: bool = False
    view_features: int | None = None  # grids drawn in the view the map settled on
    grid_fetches: int = 0
    first_draw_s: float | None = None
    failure: str = ""


def fetch(client: httpx.Client, path: str) -> tuple[float, int, bytes, bytes]:
    """GET `path` as a browser would (gzip accepted): seconds to the last byte, status, bytes sent, body."""
    t = time.perf_counter()
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as r:
        sent = b"".join(r.iter_raw())
        seconds = time.perf_counter() - t
        body = gzip.decompress(sent) if r.headers.get("content-encoding") == "gzip" else sent
        return seconds, r.status_code, sent, body


def measure_server(client: httpx.Client, row: PageRow, repeat: int) -> None:
    row.warm_s, row.status, sent, body = fetch(client, row.path)
    times = []
    for _ in range(repeat):
        seconds, status, sent, body = fetch(client, row.path)
        if status != 200:
            raise RuntimeError(f"GET {row.path}: HTTP {status}: {body[:300]!r}")
        times.append(seconds)
    row.server_s = statistics.median(times)
    row.server_spread = (min(times), max(times))
    row.raw_bytes, row.gzip_bytes = len(body), len(sent)


def measure_browser(browser, server, row: PageRow, timeout_s: float) -> None:
    from tests.browser.harness import is_local

    try:
        page = browser.open_page(server.url(row.path), name=f"bench_{row.name}", ready_js=READY_JS,
                                 timeout_s=timeout_s, quiet_s=0.5)
    except TimeoutError:
        row.failure = f"not ready within {timeout_s:.0f} s"
        return
    info = page.js(TRANSFER_JS)
    probe = info["probe"]
    row.ready_s = probe["ready"] / 1000
    row.load_s = probe["load"] / 1000 if probe.get("load") is not None else None
    row.by_view = bool(probe["byView"])
    interactive_ms = probe["readyFrame"]
    if row.by_view:
        last = probe["fetches"][-1]
        final = next((i for i, t in enumerate(probe["draws"]) if t > last), None)
        row.grid_fetches = len(probe["fetches"])
        row.first_draw_s = probe["frames"][0] / 1000
        if final is None:  # the map moved again after it was found settled
            row.failure = "the grids of the final view were not drawn while measuring"
            return
        interactive_ms = max(interactive_ms, probe["frames"][final])
    row.interactive_s = interactive_ms / 1000
    row.view_features = info["feats"]
    row.transfer_bytes = int(info["nav"]) + sum(int(size) for _, size, _ in info["resources"])
    row.requests = len(page.requests)
    row.external = sorted(set(page.external_requests) | {u for u, _, _ in info["resources"] if not is_local(u)})
    row.console_errors = len(page.console_errors)
    if info["nav"] == 0 or any(size == 0 and decoded > 0 for _, size, decoded in info["resources"]):
        row.failure = "transferSize 0 for a resource (served from a cache?)"


def pages_of(district: District) -> list[tuple[str, str]]:
    start, end = district.period
    return [
        ("front", "/"),
        ("coverage", "/maps/coverage"),
        ("coverage-22h", "/maps/coverage?" + urlencode({"kind": "城市驿站", "at": "22:00"}, quote_via=quote)),
        ("incidents-30d", "/maps/incidents"),
        ("incidents-1y", f"/maps/incidents?start={start}&end={end}"),
        ("gaps", "/maps/gaps"),
        ("siting", f"/maps/siting/{district.scenario}"),
    ]


def data_paths(district: District, conn: psycopg.Connection) -> list[tuple[str, str]]:
    from geo import map_data

    west, south, east, north = map_data.district_bounds(conn)
    box = f"{math.floor(west * 1e5) / 1e5:.5f},{math.floor(south * 1e5) / 1e5:.5f}," \
          f"{math.ceil(east * 1e5) / 1e5:.5f},{math.ceil(north * 1e5) / 1e5:.5f}"
    return [("data/grids coverage", "/maps/data/grids?" + urlencode({"layer": "coverage", "bbox": box})),
            ("data/grids workload", "/maps/data/grids?" + urlencode({"layer": "workload", "bbox": box}))]


def measure_district(district: District, browser, repeat: int, timeout_s: float) -> list[PageRow]:
    from api.app import create_app
    from bench.intake import bench_token
    from geo.settings import DatabaseSettings
    from tests.browser.harness import serve_app

    rows = []
    # Maps need a signed-in user (issue #14): a district dispatcher's token, for the client and the browser.
    auth = {"Authorization": f"Bearer {bench_token(district.url)}"}
    if browser is not None:
        browser.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": auth})
    app = create_app(DatabaseSettings(url=district.url))
    with serve_app(app) as server, httpx.Client(base_url=server.base_url, timeout=600.0, headers=auth) as client:
        for name, path in pages_of(district):
            row = PageRow(name, path)
            measure_server(client, row, repeat)
            print(f"  {district.label:<6} {name:<14} server {row.server_s:6.3f} s (warm-up {row.warm_s:6.3f} s), "
                  f"{row.raw_bytes / 1e6:6.2f} MB raw, {row.gzip_bytes / 1e6:5.2f} MB gzip", flush=True)
            if browser is not None:
                measure_browser(browser, server, row, timeout_s)
                shown = f"{row.interactive_s:6.2f} s" if row.interactive_s is not None else row.failure
                print(f"  {'':<6} {'':<14} Chromium interactive {shown}", flush=True)
            rows.append(row)
        with psycopg.connect(district.url) as conn:
            extra = data_paths(district, conn)
        for name, path in extra:
            row = PageRow(name, path)
            measure_server(client, row, repeat)
            rows.append(row)
    return rows


# ---------------------------------------------------------------- report

def kb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e3:,.0f}"


def secs(x: float | None, decimals: int = 3) -> str:
    return "—" if x is None or x != x else f"{x:.{decimals}f}"


def print_table(district: District, rows: list[PageRow]) -> None:
    print(f"\n{district.label}: {district.grids:,} grids, {district.buildings:,} buildings, {district.stations:,} "
          f"stations, {district.incidents:,} located incidents, {district.circles:,} walking circles"
          + (f"; {district.note}" if district.note else ""))
    print(f"  {'':<20}{'warm-up':>8}{'server':>8}{'min–max':>14}{'HTML':>8}{'gzip':>7}"
          f"{'ready':>7}{'inter-':>7}{'transfer':>9}{'re-':>5}{'left':>5}")
    print(f"  {'page':<20}{'s':>8}{'s, med':>8}{'s':>14}{'kB':>8}{'kB':>7}"
          f"{'s':>7}{'active':>7}{'kB':>9}{'qu.':>5}{'host':>5}")
    for r in rows:
        spread = f"{r.server_spread[0]:.3f}–{r.server_spread[1]:.3f}" if r.server_spread[0] == r.server_spread[0] else "—"
        browser = (f"{secs(r.ready_s, 2):>7}{secs(r.interactive_s, 2):>7}{kb(r.transfer_bytes):>9}"
                   f"{(r.requests if r.requests is not None else '—'):>5}{len(r.external) if r.requests else '—':>5}")
        if r.name.startswith("data/"):
            browser = f"{'(JSON)':>33}"
        line = (f"  {r.name:<20}{secs(r.warm_s):>8}{secs(r.server_s):>8}{spread:>14}{kb(r.raw_bytes):>8}"
                f"{kb(r.gzip_bytes):>7}{browser}")
        notes = []
        if r.by_view:
            notes.append(f"grids by view: {r.view_features:,} drawn; {r.grid_fetches} fetches of /maps/data/grids"
                         f", first drawn at {r.first_draw_s:.2f} s")
        if r.console_errors:
            notes.append(f"{r.console_errors} console errors")
        if r.failure:
            notes.append(r.failure)
        print(line + ("   " + "; ".join(notes) if notes else ""))
        for url in r.external:
            print(f"      left 127.0.0.1: {url}")
    print("  paths: " + "; ".join(f"{r.name} = {r.path}" for r in rows if r.name not in ("front",)))


def verdict(row: PageRow | None) -> str:
    if row is None or row.transfer_bytes is None or row.interactive_s is None:
        return "not measured"
    size_ok = row.transfer_bytes < TARGET_BYTES
    time_ok = row.interactive_s < TARGET_INTERACTIVE_S
    local_ok = not row.external
    return (f"transfer {row.transfer_bytes / 1e6:.2f} MB (< 2 MB: {'met' if size_ok else 'NOT met'}), "
            f"interactive {row.interactive_s:.2f} s (< 2 s: {'met' if time_ok else 'NOT met'}), "
            f"requests leaving 127.0.0.1: {len(row.external)} ({'ok' if local_ok else 'NOT ok'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grids", type=int, default=5000, help="grids of the large district (at least)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page after the warm-up (median)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the walking circles")
    parser.add_argument("--browser-timeout", type=float, default=300.0, help="seconds a page may take in Chromium")
    parser.add_argument("--no-browser", action="store_true", help="server timings and sizes only")
    parser.add_argument("--no-large", action="store_true", help="the demo district only")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    admin = netgen.admin_url()
    started, load_before = time.perf_counter(), netgen.loadavg()

    from data.generate import generate

    results: list[tuple[District, list[PageRow]]] = []
    with tempfile.TemporaryDirectory(prefix="bench_maps_") as tmp:
        demo_dir, shots = Path(tmp) / "demo", Path(tmp) / "screenshots"
        browser = None
        if not args.no_browser:
            from tests.browser.harness import Browser

            browser = Browser(screenshot_dir=shots)
        try:
            if browser is not None:  # every page loaded afresh, with the probe in it
                browser.driver.execute_cdp_cmd("Network.enable", {})
                browser.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
                browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE_JS})
            chromium = browser.driver.capabilities.get("browserVersion", "?") if browser else "not used"
            print(f"bench.maps  seed {args.seed}, {os.cpu_count()} CPUs, load average {load_before}; Chromium "
                  f"{chromium}, {httpx.__name__} {httpx.__version__}, Python {platform.python_version()}", flush=True)
            t = time.perf_counter()
            generate(demo_dir, seed=args.seed)
            print(f"demo generated in {time.perf_counter() - t:.1f} s", flush=True)

            with netgen.throwaway_database(admin, "maps_demo") as url:
                demo = District("demo", url)
                with psycopg.connect(url) as conn:
                    load_demo(demo, demo_dir, conn)
                    compute(demo, conn, args.workers)
                print("demo prepared: " + ", ".join(f"{n} {s:.1f} s" for n, s in demo.steps), flush=True)
                results.append((demo, measure_district(demo, browser, args.repeat, args.browser_timeout)))

            if not args.no_large:
                with netgen.throwaway_database(admin, "maps_large") as url:
                    large = District("large", url)
                    with psycopg.connect(url) as conn:
                        load_demo(large, demo_dir, conn)
                        tiles, cols, step_x, step_y = replicate(large, conn, args.grids)
                        compute(large, conn, args.workers)
                    large.note = (f"{tiles} tiles ({cols} per row) of the demo, translated by {step_x:.4f}° × "
                                  f"{step_y:.4f}°; network not copied ({large.note or 'all stations on it'})")
                    print("large prepared: " + ", ".join(f"{n} {s:.1f} s" for n, s in large.steps), flush=True)
                    results.append((large, measure_district(large, browser, args.repeat, args.browser_timeout)))
        finally:
            if browser is not None:
                browser.close()

    print(f"\nMap pages: server time = wall time of one GET to the last byte (gzip accepted), median of "
          f"{args.repeat} after a warm-up request; interactive = Chromium, navigation start to the first frame "
          "after the page is ready (and, for grids loaded by view, the grids of the view it settles on are drawn); transfer = all bytes over the "
          "network for the page (cache disabled); kB = 1,000 bytes")
    for district, rows in results:
        print_table(district, rows)
    demo_coverage = next((r for r in results[0][1] if r.name == "coverage"), None) if results else None
    print(f"\n  target, demo coverage page under 2 MB and interactive within 2 s: {verdict(demo_coverage)}")
    outside = [(d.label, r.name) for d, rows in results for r in rows if r.external]
    print(f"  pages fetching from beyond 127.0.0.1: {outside or 'none'}")
    print(f"  load average (1/5/15 min) before: {load_before}, after: {netgen.loadavg()}; "
          f"{os.cpu_count()} CPUs; total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
