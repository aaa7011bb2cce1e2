"""Single incident intake over HTTP: POST /incidents at a steady rate against the real server.

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.intake [--rate 200] [--seconds 60] [--workers 1]

Issue target: a steady 200 requests/s for 60 s, p99 latency ≤ 15 ms on 2 cores, and none
lost: every acknowledged (201) incident is stored, assigned to its grid and has its 受理
audit event. See bench/README.md ("Intake over HTTP") for what every figure means.

A throwaway database on the server of DATABASE_URL gets the demo district (476 grids);
the app runs as its own uvicorn process on 127.0.0.1 (a free port), stopped at the end.
The load is open-loop: request i is due at t0 + i / rate whatever the server does, and
its latency is counted from that due time (no coordinated omission) as well as from the
moment it was actually handed to the HTTP client. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg

from bench import network as netgen
from geo.incidents import intake as incidents

try:  # the project's dev extra installs httpx2; plain httpx has the same API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

ROOT = Path(__file__).resolve().parents[1]
# The dispatcher the benchmarks act as (the whole demo district) and its token, of known value.
BENCH_USER = "bench-dispatcher"
BENCH_TOKEN = "bench-dispatcher-token-not-for-production"
CHANNEL = "12345热线"
CST = dt.timezone(dt.timedelta(hours=8))
TARGET_P99_MS = 15.0
DEFAULT_SEED = 20261122


# ---------------------------------------------------------------- machine and processes

def _proc_stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of one process so far; 0 when it is gone or unreadable."""
    fields = _proc_stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (uvicorn's master and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def machine_busy_s() -> float:
    """CPU seconds all cores have been busy since boot (/proc/stat; nan if unreadable)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def backend_pids(url: str) -> list[int]:
    """Server processes of the other sessions on the throwaway database (the app's pool)."""
    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str
    pid: int
    log: Path


@contextlib.contextmanager
def serve(url: str, workers: int, log_dir: Path, app: str = "api.app:create_app",
          start_timeout_s: float = 60.0) -> Iterator[Server]:
    """The real app under uvicorn on 127.0.0.1, until GET /health answers; always stopped afterwards."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    log = log_dir / "uvicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"GET /health did not answer 200 within {start_timeout_s:.0f} s")
            time.sleep(0.2)
        yield Server(base, proc.pid, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the master and its workers
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ---------------------------------------------------------------- data

def prepare(url: str, seed: int, n_points: int) -> tuple[list[str], np.ndarray, int, float]:
    """Generate and load the demo; return category codes, `n_points` lon/lat inside the grids, grid count."""
    from data.generate import generate
    from geo.layers.loader import LoadOptions, load_directory

    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_intake_") as tmp, psycopg.connect(url) as conn:
        generate(Path(tmp))
        load_directory(conn, Path(tmp), LoadOptions())
        conn.commit()
        categories = [r[0] for r in conn.execute("SELECT code FROM categories ORDER BY code")]
        grids = conn.execute("SELECT count(*) FROM grids WHERE system = (SELECT grid_system FROM assignment_settings)"
                             ).fetchone()[0]
        # Uniform inside the union of the assignment system's grids (PostGIS rejection sampling, seeded).
        points = np.array(conn.execute("""
            SELECT ST_X(d.geom), ST_Y(d.geom)
            FROM (SELECT ST_GeneratePoints(ST_Union(geom), %s, %s) AS g FROM grids
                  WHERE system = (SELECT grid_system FROM assignment_settings)) AS s,
                 ST_Dump(s.g) AS d""", (n_points, seed)).fetchall(), dtype=float)
        conn.commit()
    return categories, points, grids, time.perf_counter() - t


def bench_token(url: str, role: str = "dispatcher") -> str:
    """Make a user of `role` for the whole demo district with a token, in the database of `url`; the token.

    The dispatcher is BENCH_USER with BENCH_TOKEN; another role is bench-<role> with its own token.
    """
    from data.demo_city.admin import DISTRICT_CODE
    from geo.accounts import credentials, users

    user = f"bench-{role}"
    value = BENCH_TOKEN if user == BENCH_USER else f"{user}-token-not-for-production"
    with psycopg.connect(url) as conn:
        users.add(conn, user, role, DISTRICT_CODE, actor="bench", display_name=f"压测账户（{role}）")
        token = credentials.issue_token(conn, user, actor="bench", name="bench", days=1, value=value)
        conn.commit()
    return token


class Requests:
    """The bodies: unique request ids, random demo categories, points sampled inside the grids."""

    def __init__(self, categories: list[str], points: np.ndarray, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.categories = [categories[k] for k in rng.integers(0, len(categories), len(points))]
        self.points = points
        self.run = uuid.uuid4().hex[:8]
        self.used = 0

    def next(self) -> dict[str, object]:
        k = self.used
        self.used += 1
        lon, lat = self.points[k]
        return {"request_id": f"bench-{self.run}-{k:06d}", "channel": CHANNEL, "category_code": self.categories[k],
                "reported_at": dt.datetime.now(CST).isoformat(timespec="seconds"),
                "lon": float(lon), "lat": float(lat), "description": f"压测诉求第{k}号（基准测试生成）"}


# ---------------------------------------------------------------- load

@dataclass
class Sent:
    body: dict[str, object]
    due: float
    sent: float = float("nan")
    done: float = float("nan")
    status: int | None = None
    incident_id: int | None = None
    error: str | None = None


HEADERS = {"Authorization": f"Bearer {BENCH_TOKEN}", "Content-Type": "application/json"}


class ClientError(Exception):
    """A request that got no HTTP answer: timeout, refused or dropped connection."""


class HttpxClient:
    """httpx(2).AsyncClient with a connection pool of `connections`."""

    name = f"{httpx.__name__}.AsyncClient"

    def __init__(self, base_url: str, connections: int, timeout_s: float) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(timeout_s))

    async def request(self, method: str, path: str, content: bytes | None = None) -> tuple[int, bytes]:
        status, _, body = await self.exchange(method, path, content)
        return status, body

    async def exchange(self, method: str, path: str, content: bytes | None = None
                       ) -> tuple[int, dict[str, str], bytes]:
        """(status, response header fields by lower-case name, body)."""
        try:
            r = await self.client.request(method, path, content=content, headers=HEADERS if content else None)
        except httpx.TimeoutException as exc:
            raise ClientError(f"timeout ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise ClientError(type(exc).__name__) from exc
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content

    async def aclose(self) -> None:
        await self.client.aclose()


class RawClient:
    """Minimal HTTP/1.1 keep-alive client on asyncio streams (127.0.0.1 only), for a cheaper client.

    Up to `connections` connections; each carries one request at a time. Responses must have a
    Content-Length (uvicorn's JSON and HTML responses do).
    """

    name = "raw asyncio HTTP/1.1 client"
    IDLE_S = 3.0  # uvicorn's --timeout-keep-alive is 5 s

    def __init__(self, base_url: str, connections: int, timeout_s: float) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        if host != "127.0.0.1":
            raise ValueError("the raw client only talks to 127.0.0.1")
        self.host, self.port, self.timeout = host, int(port), timeout_s
        self.idle: list[tuple[tuple[asyncio.StreamReader, asyncio.StreamWriter], float]] = []
        self.slots = asyncio.Semaphore(connections)
        self.open: set[asyncio.StreamWriter] = set()
        self.head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())

    async def _exchange(self, conn, method: str, path: str, content: bytes | None
                        ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = conn
        if content is None:
            writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        else:
            writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.head}"
                         f"Content-Length: {len(content)}\r\n\r\n".encode() + content)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" not in fields:
            raise ClientError("response without Content-Length")
        body = await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            raise _Close(status, fields, body)
        return status, fields, body

    async def request(self, method: str, path: str, content: bytes | None = None) -> tuple[int, bytes]:
        status, _, body = await self.exchange(method, path, content)
        return status, body

    async def exchange(self, method: str, path: str, content: bytes | None = None
                       ) -> tuple[int, dict[str, str], bytes]:
        """(status, response header fields by lower-case name, body)."""
        async with self.slots:
            conn = None
            while self.idle and conn is None:  # uvicorn closes connections idle for 5 s: skip those
                conn, last_used = self.idle.pop()
                if conn[0].at_eof() or time.monotonic() - last_used > self.IDLE_S:
                    self._drop(conn)
                    conn = None
            try:
                if conn is None:
                    conn = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
                    self.open.add(conn[1])
                result = await asyncio.wait_for(self._exchange(conn, method, path, content), self.timeout)
            except _Close as done:
                self._drop(conn)
                return done.status, done.fields, done.body
            except TimeoutError as exc:
                self._drop(conn)
                raise ClientError("timeout") from exc
            except ClientError:
                self._drop(conn)
                raise
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                self._drop(conn)
                raise ClientError(type(exc).__name__) from exc
            except asyncio.CancelledError:
                self._drop(conn)
                raise
            self.idle.append((conn, time.monotonic()))
            return result

    def _drop(self, conn) -> None:
        if conn is not None:
            conn[1].close()
            self.open.discard(conn[1])

    async def aclose(self) -> None:
        for writer in self.open:
            writer.close()
        self.open.clear()
        self.idle.clear()


class _Close(Exception):
    def __init__(self, status: int, fields: dict[str, str], body: bytes) -> None:
        self.status, self.fields, self.body = status, fields, body


CLIENTS = {"httpx": HttpxClient, "raw": RawClient}


async def _one(client, path: str, item: Sent, method: str = "POST") -> None:
    item.sent = time.perf_counter()
    try:
        content = json.dumps(item.body, ensure_ascii=False).encode() if method == "POST" else None
        status, body = await client.request(method, path, content)
        item.done, item.status = time.perf_counter(), status
        if method == "POST" and status in (200, 201):
            item.incident_id = json.loads(body)["id"]
    except ClientError as exc:
        item.done, item.error = time.perf_counter(), str(exc)


def steady(rate: float, seconds: float) -> np.ndarray:
    """Due times (s after t0) of a constant rate: request i at i / rate."""
    return np.arange(round(rate * seconds)) / rate


def ramp(rate: float, seconds: float) -> np.ndarray:
    """Due times of a rate rising linearly from 0 to `rate` over `seconds` (rate·seconds/2 requests)."""
    return np.sqrt(2 * seconds * np.arange(round(rate * seconds / 2)) / rate)


async def open_loop(client, bodies, due: np.ndarray, drain_s: float, path: str = "/incidents",
                    method: str = "POST", send=_one) -> tuple[list[Sent], float, int]:
    """Send request i at t0 + due[i] whatever the answers; wait `drain_s` for the last answers.

    `send(client, path, item, method)` makes request i (one attempt; bench/faults.py passes a retrying one).

    Returns the requests, t0, and how many were still unanswered after the drain (cancelled).
    """
    items: list[Sent] = []
    tasks: set[asyncio.Task] = set()
    t0 = time.perf_counter() + 0.05
    for offset in due:
        item = Sent(bodies() if bodies else {}, t0 + float(offset))
        delay = item.due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        items.append(item)
        task = asyncio.create_task(send(client, path, item, method))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    unanswered = 0
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=drain_s)
        unanswered = len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for item in items:
            if item.status is None and item.error is None:
                item.error = "unanswered after the drain"
    return items, t0, unanswered


def percentiles_ms(values: np.ndarray) -> str:
    if len(values) == 0:
        return "no answers"
    p50, p90, p99 = np.percentile(values, [50, 90, 99]) * 1000
    return f"p50 {p50:6.2f}   p90 {p90:6.2f}   p99 {p99:6.2f}   max {values.max() * 1000:7.2f}"


# ---------------------------------------------------------------- where the time goes (in-process)

def breakdown(url: str, requests: Requests, n: int) -> list[tuple[str, np.ndarray]]:
    """Time the database side of POST /incidents, `geo.incidents.intake.receive`, as `api/routes/incidents.create` calls it.

    One connection from this process over the same URL the app uses (so the same kind of
    round trip), sequential, no HTTP; beside it one bare round trip and one COMMIT of an
    insert alone (the WAL flush every acknowledged incident waits for).
    """
    steps: dict[str, list[float]] = {k: [] for k in (
        "round trip (SELECT 1, autocommit)", "geo.incidents.intake.receive: INSERT…RETURNING card + COMMIT, one pipeline",
        "of which a COMMIT alone after the INSERT (WAL flush)")}
    keys = list(steps)
    with psycopg.connect(url, autocommit=True) as ping, psycopg.connect(url) as conn:
        for i in range(n + 20):  # 20 untimed warm-up rounds
            t = [time.perf_counter()]
            ping.execute("SELECT 1").fetchone()
            t.append(time.perf_counter())
            incidents.receive(conn, _incident(requests.next()))
            t.append(time.perf_counter())
            conn.execute(incidents.INSERT_ID, incidents.params(_incident(requests.next()))).fetchone()
            t.append(time.perf_counter())
            conn.commit()
            t.append(time.perf_counter())
            if i >= 20:
                for k, v in zip(keys, [t[1] - t[0], t[2] - t[1], t[4] - t[3]], strict=True):
                    steps[k].append(v)
    return [(k, np.array(v)) for k, v in steps.items()]


def _incident(body: dict[str, object]) -> incidents.IncidentIn:
    return incidents.IncidentIn(**{**body, "reported_at": dt.datetime.fromisoformat(str(body["reported_at"]))})


# ---------------------------------------------------------------- checks in the database

def check_stored(url: str, acked: dict[str, int], all_ids: list[str]) -> dict[str, object]:
    """Rows for the acknowledged request ids, their assignment and 受理 events; rows for unacknowledged ones."""
    ids = list(acked)
    with psycopg.connect(url) as conn:
        rows = dict(conn.execute("SELECT request_id, id FROM incidents WHERE request_id = ANY(%s)", (ids,)).fetchall())
        methods = dict(conn.execute("SELECT assign_method, count(*) FROM incidents WHERE request_id = ANY(%s) "
                                    "GROUP BY 1 ORDER BY 1", (ids,)).fetchall())
        with_grid = conn.execute("SELECT count(*) FROM incidents WHERE request_id = ANY(%s) AND grid_id IS NOT NULL "
                                 "AND assigned_at IS NOT NULL", (ids,)).fetchone()[0]
        with_event = conn.execute("""
            SELECT count(DISTINCT i.id) FROM incidents AS i JOIN incident_events AS e ON e.incident_id = i.id
            WHERE i.request_id = ANY(%s) AND e.action = '受理' AND e.to_status = '受理'""", (ids,)).fetchone()[0]
        duplicates = conn.execute("SELECT count(*) FROM incidents WHERE request_id = ANY(%s) "
                                  "AND duplicate_of IS NOT NULL", (ids,)).fetchone()[0]
        unacked = sorted(set(all_ids) - set(ids))
        stored_unacked = conn.execute("SELECT count(*) FROM incidents WHERE request_id = ANY(%s)",
                                      (unacked,)).fetchone()[0]
    return {"rows": len(rows), "same_id": sum(rows.get(k) == v for k, v in acked.items()), "methods": methods,
            "with_grid": with_grid, "with_event": with_event, "duplicates": duplicates,
            "unacked": len(unacked), "stored_unacked": stored_unacked}


def table_counts(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return (conn.execute("SELECT count(*) FROM incidents").fetchone()[0],
                conn.execute("SELECT count(*) FROM incident_events").fetchone()[0])


# ---------------------------------------------------------------- main

async def drive(args: argparse.Namespace, server: Server, url: str, requests: Requests) -> dict[str, object]:
    out: dict[str, object] = {}
    client = CLIENTS[args.client](server.base_url, args.connections, args.timeout)
    try:
        if args.floor_seconds > 0:  # the HTTP stack alone: a small page that touches no database
            out["floor"], _, _ = await open_loop(client, None, steady(args.rate, args.floor_seconds), args.drain,
                                                 "/docs", "GET")
        # Warm-up: the rate rises from 0 so that the app's connection pool (1 connection at start) can grow.
        out["warmup"], _, _ = await open_loop(client, requests.next, ramp(args.rate, args.warmup), args.drain)
        pids = process_tree(server.pid)
        backends = backend_pids(url)
        cpu_before = ({p: proc_cpu_s(p) for p in pids}, {p: proc_cpu_s(p) for p in backends}, time.process_time(),
                      machine_busy_s(), time.perf_counter())
        due = steady(args.rate, args.seconds)
        print(f"main run: {len(due):,} requests at {args.rate:g}/s ...", flush=True)
        items, t0, unanswered = await open_loop(client, requests.next, due, args.drain)
        backends_after = backend_pids(url)
        out["cpu"] = (
            sum(proc_cpu_s(p) - cpu_before[0].get(p, 0.0) for p in process_tree(server.pid)),
            sum(proc_cpu_s(p) - cpu_before[1].get(p, 0.0) for p in set(backends) | set(backends_after)),
            time.process_time() - cpu_before[2], len(set(backends) | set(backends_after)),
            machine_busy_s() - cpu_before[3], time.perf_counter() - cpu_before[4])
        out["main"], out["t0"], out["unanswered"] = items, t0, unanswered

        # Idempotency: re-send acknowledged requests unchanged; expect 200, the same id, nothing new.
        acked = [it for it in items if it.status == 201]
        rng = np.random.default_rng(args.seed + 1)
        retry = [acked[k] for k in rng.choice(len(acked), size=min(args.retries, len(acked)), replace=False)]
        before = table_counts(url)
        answers = []
        for it in retry:  # one at a time; a stuck server ends the round at the first client error
            try:
                status, body = await client.request("POST", "/incidents",
                                                    json.dumps(it.body, ensure_ascii=False).encode())
            except ClientError:
                answers.append((None, None, it.incident_id))
                break
            answers.append((status, json.loads(body).get("id") if status in (200, 201) else None, it.incident_id))
        out["retry"] = (answers, before, table_counts(url))
    finally:
        await client.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the timed run")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds of a rate rising from 0 to --rate before the timed run (not counted)")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for answers after the last send")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    parser.add_argument("--connections", type=int, default=256, help="client connection pool size")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw",
                        help=f"httpx: {httpx.__name__}.AsyncClient; raw: a minimal asyncio HTTP/1.1 client (less CPU)")
    parser.add_argument("--retries", type=int, default=100, help="acknowledged requests re-sent for idempotency")
    parser.add_argument("--floor-seconds", type=float, default=5.0, help="GET /docs at the rate first (0: skip)")
    parser.add_argument("--breakdown", type=int, default=500, help="in-process timing of the DB steps (0: skip)")
    parser.add_argument("--app", default="api.app:create_app",
                        help="the app factory uvicorn serves (module:function on PYTHONPATH), to try variants")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C: the server is stopped and the database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    admin_url = netgen.admin_url()

    started, load_before = time.perf_counter(), netgen.loadavg()
    print(f"bench.intake  seed {args.seed}, {os.cpu_count()} CPUs, load average {load_before}; "
          f"{httpx.__name__} {httpx.__version__}, Python {sys.version.split()[0]}", flush=True)
    n_points = len(ramp(args.rate, args.warmup)) + len(steady(args.rate, args.seconds)) + 2 * (args.breakdown + 20) + 10

    with netgen.throwaway_database(admin_url, "intake") as url:
        categories, points, grids, loaded = prepare(url, args.seed, n_points)
        bench_token(url)  # the token HEADERS carry
        with psycopg.connect(url) as conn:
            pg = conn.execute("SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
                              "current_setting('fsync')").fetchone()
        print(f"demo loaded in {loaded:.1f} s: {grids} grids, {len(categories)} categories; "
              f"{len(points):,} points sampled inside the grids; PostgreSQL {pg[0]} "
              f"(synchronous_commit {pg[1]}, fsync {pg[2]})", flush=True)
        requests = Requests(categories, points, args.seed)
        with tempfile.TemporaryDirectory(prefix="bench_intake_log_") as log_dir:
            with serve(url, args.workers, Path(log_dir), args.app) as server:
                print(f"server: uvicorn {args.app} --factory, {args.workers} worker process(es), {server.base_url}, "
                      f"pid {server.pid}", flush=True)
                out = asyncio.run(drive(args, server, url, requests))
            server_log = server.log.read_text(errors="replace").strip().splitlines()
        items: list[Sent] = out["main"]
        acked = {str(it.body["request_id"]): it.incident_id for it in items if it.status == 201}
        stored = check_stored(url, acked, [str(it.body["request_id"]) for it in items])
        steps = breakdown(url, requests, args.breakdown) if args.breakdown > 0 else []
        load_after = netgen.loadavg()

    # ------------------------------------------------ report
    print()
    print(f"Intake over HTTP: POST /incidents, open loop at {args.rate:g}/s for {args.seconds:g} s "
          f"(after a {args.warmup:g} s warm-up rising to that rate, not counted), {args.workers} uvicorn worker(s), "
          f"client {CLIENTS[args.client].name} with ≤ {args.connections} connections")
    n = len(items)
    statuses = Counter(it.status for it in items if it.status is not None)
    errors = Counter(it.error for it in items if it.error is not None)
    sent = np.array([it.sent for it in items])
    done = np.array([it.done for it in items if it.status is not None])
    span = sent[-1] - sent[0] if n > 1 else float("nan")
    print(f"  requests sent              {n:,} in {span:.2f} s = {(n - 1) / span:.1f}/s achieved "
          f"(scheduled {args.rate:g}/s)")
    print(f"  responses by status        {', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items())) or 'none'}")
    print(f"  errors / timeouts          {sum(errors.values()):,}"
          + (f"  ({', '.join(f'{k}: {v}' for k, v in errors.items())})" if errors else ""))
    if len(done):
        print(f"  answered                   {len(done):,}, last answer {done.max() - out['t0']:.2f} s after t0 "
              f"({len(done) / (done.max() - out['t0']):.1f}/s)")
    ok = [it for it in items if it.status == 201]
    from_due = np.array([it.done - it.due for it in ok])
    from_sent = np.array([it.done - it.sent for it in ok])
    lag = np.array([it.sent - it.due for it in items])
    print("  latency of the 201s (ms)")
    print(f"    from the scheduled time  {percentiles_ms(from_due)}")
    print(f"    from the actual send     {percentiles_ms(from_sent)}")
    print(f"  send lag behind schedule   {percentiles_ms(lag)}   (the client's own delay)")
    p99 = float(np.percentile(from_due, 99)) * 1000 if len(from_due) else float("inf")
    met = p99 <= TARGET_P99_MS and len(ok) == n
    print(f"  target p99 ≤ {TARGET_P99_MS:g} ms (from the scheduled time), every request 201: "
          f"p99 {p99:.2f} ms  {'met' if met else 'NOT met'}")
    server_cpu, pg_cpu, client_cpu, n_backends, busy, wall = out["cpu"]
    ours = server_cpu + pg_cpu + client_cpu
    print(f"  CPU during the run         server (uvicorn) {server_cpu:.1f} s, PostgreSQL backends ({n_backends}) "
          f"{pg_cpu:.1f} s, this client {client_cpu:.1f} s = {server_cpu / n * 1000:.2f} + "
          f"{pg_cpu / n * 1000:.2f} + {client_cpu / n * 1000:.2f} ms per request; {ours / wall:.2f} of "
          f"{os.cpu_count()} cores")
    print(f"  the rest of the machine    {max(busy - ours, 0.0) / wall:.2f} cores busy meanwhile (other processes, "
          f"PostgreSQL's background writers; /proc/stat)")
    for label, key in (("warm-up", "warmup"), ("HTTP floor, GET /docs (no database)", "floor")):
        if key in out:
            w = out[key]
            st = Counter(it.status for it in w)
            d = np.array([it.done - it.due for it in w if it.status == 200 or it.status == 201])
            print(f"  {label}: {len(w):,} requests, {dict(st)}; from scheduled time (ms) {percentiles_ms(d)}")

    print()
    print("None lost? (rows of the throwaway database)")
    good = stored["rows"] == len(acked) == stored["same_id"]
    print(f"  acknowledged (201)                         {len(acked):,}")
    print(f"  stored under those request ids             {stored['rows']:,}   (same id as answered: "
          f"{stored['same_id']:,})  {'ok' if good else 'NOT ok'}")
    methods = ", ".join(f"{k} {v:,}" for k, v in stored["methods"].items())
    print(f"  assigned (assign_method)                   {methods}; with grid and assigned_at: "
          f"{stored['with_grid']:,}  {'ok' if stored['with_grid'] == len(acked) else 'NOT ok'}")
    print(f"  with their 受理 event (incident_events)    {stored['with_event']:,}  "
          f"{'ok' if stored['with_event'] == len(acked) else 'NOT ok'}")
    print(f"  linked as possible duplicates (50 m, 24 h) {stored['duplicates']:,}   (stored all the same)")
    print(f"  not acknowledged: {stored['unacked']:,}, of which stored anyway: {stored['stored_unacked']:,}")
    answers, before, after = out["retry"]
    same = sum(s == 200 and got == want for s, got, want in answers)
    print(f"  idempotency: {len(answers)} of {min(args.retries, len(acked))} acknowledged requests re-sent unchanged: {same} answered 200 with the "
          f"same id; incidents {before[0]:,} → {after[0]:,}, events {before[1]:,} → {after[1]:,}  "
          f"{'ok' if same == len(answers) and before == after else 'NOT ok'}")

    if steps:
        print()
        print(f"Where the time goes: the database side of create(), {args.breakdown} times in one connection "
              "from this process (no HTTP), ms")
        for label, v in steps:
            print(f"  {label:<72} p50 {np.median(v) * 1000:6.2f}   p99 {np.percentile(v, 99) * 1000:6.2f}")
    if server_log:
        print()
        print(f"server log: {len(server_log)} lines; last ones:")
        for line in server_log[-5:]:
            print(f"  {line}")
    print()
    print(f"load average (1/5/15 min) before: {load_before}, after: {load_after}; {os.cpu_count()} CPUs; "
          f"total run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
