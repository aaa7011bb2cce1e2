"""Faults: the database away under load. POST /incidents at a steady rate while PostgreSQL is stopped, then started.

    export WANGGE_PGPORT=54339                      # the cluster of this checkout (default 54329)
    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.faults [--rate 200] [--seconds 60] [--stop-at 25] [--down 10]

Targets: 0 acknowledged incidents lost, 0 duplicated, every 503 with Retry-After, no answer
500, every 503 within ~2 s (fail fast, no hang), and service back without restarting the app.
See bench/README.md ("Faults: the database away under load") for what every figure means.

As bench/intake.py: a throwaway database with the demo district, the app under uvicorn (its own
process, 1 worker), an open loop of unique request ids, token of a district dispatcher. At
--stop-at s `scripts/localdb.sh stop` stops the whole PostgreSQL cluster of this checkout (only
when DATABASE_URL points at it), --down s later `scripts/localdb.sh start` starts it again.
Each request is a safe client: on 503 (after Retry-After, capped), another 5xx, or no answer,
it re-sends the same body (same request_id) until 201/200 or its deadline. Then the database
is compared with what was acknowledged. Exits 0 whatever the verdicts (a benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
from psycopg.conninfo import conninfo_to_dict

from api.auth import RETRY_AFTER_S  # what the app's 503s announce: a client may expect service again by then
from bench import intake
from bench import network as netgen
from bench.intake import ClientError, Requests, Sent

TARGET_503_S = 3.0  # the pool waits 2 s for a connection (WANGGE_DB_CONNECT_TIMEOUT_S) before the 503; 1 s slack
NORMAL_SHARE = 0.9  # "normal" again: 201s to new requests at ≥ 90 % of the rate for 3 seconds in a row


@dataclass
class Attempt:
    """One HTTP exchange of a logical request (the same body each time)."""

    request: int  # index of the logical request
    n: int  # 0 for the first send
    sent: float
    done: float
    status: int | None  # None: no answer (timeout, refused or dropped connection)
    retry_after: str | None = None
    error: str | None = None


class SafeClient:
    """Sends a logical request until 201/200: the same body again after 503 (Retry-After), other 5xx or no answer."""

    def __init__(self, deadline_s: float, retry_after_cap_s: float, seed: int) -> None:
        self.deadline_s, self.cap_s = deadline_s, retry_after_cap_s
        self.attempts: list[Attempt] = []
        self.index: dict[int, int] = {}  # id(Sent) -> logical index, in order of first send
        self.rng = random.Random(seed)

    def wait_s(self, retry_after: str | None, n: int) -> float:
        """Retry-After if it is a number of seconds, else exponential backoff from 0.5 s; capped; +0-10 % jitter."""
        base = float(retry_after) if retry_after and retry_after.isdigit() else 0.5 * 2 ** n
        return min(base, self.cap_s) * (1 + 0.1 * self.rng.random())

    async def send(self, client, path: str, item: Sent, method: str = "POST") -> None:
        k = self.index.setdefault(id(item), len(self.index))
        content = json.dumps(item.body, ensure_ascii=False).encode()
        item.sent = time.perf_counter()
        n = 0
        while True:
            t = time.perf_counter()
            try:
                status, fields, body = await client.exchange(method, path, content)
                error = None
            except ClientError as exc:
                status, fields, body, error = None, {}, b"", str(exc)
            done = time.perf_counter()
            self.attempts.append(Attempt(k, n, t, done, status, fields.get("retry-after"), error))
            item.done, item.status, item.error = done, status, error
            if status in (200, 201):
                item.incident_id = json.loads(body)["id"]
                return
            if status is not None and status < 500:  # 4xx: the same body would get the same answer
                item.error = body[:200].decode(errors="replace")
                return
            wait = self.wait_s(fields.get("retry-after"), n)
            if done + wait > item.sent + self.deadline_s:
                item.error = f"gave up after {n + 1} attempts ({error or status})"
                return
            await asyncio.sleep(wait)
            n += 1


# ---------------------------------------------------------------- the database away

def own_cluster_port(url: str) -> int:
    """The port of DATABASE_URL if it is the running cluster of this checkout (scripts/localdb.sh); exit otherwise."""
    want = int(os.environ.get("WANGGE_PGPORT", "54329"))
    info = conninfo_to_dict(url)
    port, host = int(info.get("port") or 5432), info.get("host", "")
    if port != want or host not in ("127.0.0.1", "localhost"):
        sys.exit(f"refusing to stop a database server: DATABASE_URL is {host}:{port}, but this checkout's own cluster "
                 f"(scripts/localdb.sh) is 127.0.0.1:{want} (WANGGE_PGPORT, default 54329)")
    status = localdb("status")
    found = re.search(r'"-p" "(\d+)"', status.stdout)
    if status.returncode != 0 or not found or int(found.group(1)) != port:
        sys.exit(f"refusing: scripts/localdb.sh status does not show this checkout's cluster on port {port}:\n"
                 f"{status.stdout}{status.stderr}")
    return port


def localdb(command: str) -> subprocess.CompletedProcess:
    """Run `scripts/localdb.sh <command>` of this checkout, for the cluster of WANGGE_PGPORT."""
    return subprocess.run([str(intake.ROOT / "scripts" / "localdb.sh"), command], cwd=intake.ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "WANGGE_PGPORT": os.environ.get("WANGGE_PGPORT", "54329")})


async def outage(t0: float, stop_at: float, down: float, times: dict[str, float]) -> None:
    """Stop the cluster at t0 + stop_at, start it `down` s after it has stopped; times in `times` (perf_counter)."""
    await asyncio.sleep(max(0.0, t0 + stop_at - time.perf_counter()))
    for step, wait in (("stop", 0.0), ("start", down)):
        await asyncio.sleep(wait)
        times[f"{step}_cmd"] = time.perf_counter()
        done = await asyncio.to_thread(localdb, step)  # a thread: the loop keeps sending meanwhile
        times[f"{step}_done"] = time.perf_counter()
        if done.returncode != 0:
            print(f"scripts/localdb.sh {step} failed ({done.returncode}): {done.stderr.strip()}", flush=True)


async def drive(args: argparse.Namespace, base_url: str, requests: Requests
                ) -> tuple[list[Sent], SafeClient, float, dict[str, float]]:
    client = intake.CLIENTS[args.client](base_url, args.connections, args.timeout)
    safe, times = SafeClient(args.deadline, args.retry_after_cap, args.seed), {}
    try:  # warm-up, rate rising from 0 (the app's pool grows), single attempts, not counted
        await intake.open_loop(client, requests.next, intake.ramp(args.rate, args.warmup), 10.0)
        print(f"main run: {round(args.rate * args.seconds):,} requests at {args.rate:g}/s; the database stops at "
              f"{args.stop_at:g} s for {args.down:g} s ...", flush=True)
        t0 = time.perf_counter() + 0.05  # as open_loop's own t0 (to within microseconds)
        fault = asyncio.create_task(outage(t0, args.stop_at, args.down, times))
        items, t0, _ = await intake.open_loop(client, requests.next, intake.steady(args.rate, args.seconds),
                                              args.deadline + args.timeout + 5, send=safe.send)
        await fault
    finally:
        await client.aclose()
    return items, safe, t0, times


# ---------------------------------------------------------------- checks and report

def stored_rows(url: str, items: list[Sent]) -> tuple[int, int, int, np.ndarray]:
    """(rows with one of our descriptions, distinct such descriptions, rows sharing a request_id): duplicates;
    and when our rows were stored (received_at, epoch seconds: the server's own pace)."""
    with psycopg.connect(url) as conn:
        rows, distinct, epochs = conn.execute(
            "SELECT count(*), count(DISTINCT description), array_agg(extract(epoch FROM received_at)::float8) "
            "FROM incidents WHERE description = ANY(%s)", ([it.body["description"] for it in items],)).fetchone()
        shared = conn.execute("SELECT count(*) - count(DISTINCT request_id) FROM incidents").fetchone()[0]
    return rows, distinct, shared, np.array(epochs or [], dtype=float)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met  <<<"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="new requests per second (retries come on top)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the timed run")
    parser.add_argument("--stop-at", type=float, default=25.0, help="second of the run at which PostgreSQL stops")
    parser.add_argument("--down", type=float, default=10.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of a rising rate first (not counted)")
    parser.add_argument("--deadline", type=float, default=60.0,
                        help="a request gives up this long after its first send")
    parser.add_argument("--retry-after-cap", type=float, default=5.0, help="longest wait between attempts, seconds")
    parser.add_argument("--timeout", type=float, default=10.0, help="per-attempt timeout, seconds (then re-sent)")
    parser.add_argument("--connections", type=int, default=4096, help="client connection limit")
    parser.add_argument("--client", choices=sorted(intake.CLIENTS), default="raw",
                        help="HTTP client (see bench.intake)")
    parser.add_argument("--app", default="api.app:create_app",
                        help="the app factory uvicorn serves (module:function on PYTHONPATH), to try variants")
    parser.add_argument("--seed", type=int, default=netgen.DEFAULT_SEED)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    admin_url = netgen.admin_url()
    own_cluster_port(admin_url)
    print(f"bench.faults  {os.cpu_count()} CPUs, load average {netgen.loadavg()}, Python {sys.version.split()[0]}",
          flush=True)

    with netgen.throwaway_database(admin_url, "faults") as url:
        n_points = len(intake.ramp(args.rate, args.warmup)) + len(intake.steady(args.rate, args.seconds)) + 10
        categories, points, grids, loaded = intake.prepare(url, args.seed, n_points)
        intake.bench_token(url)
        print(f"demo loaded in {loaded:.1f} s: {grids} grids; dispatcher token made", flush=True)
        requests = Requests(categories, points, args.seed)
        with tempfile.TemporaryDirectory(prefix="bench_faults_log_") as log_dir:
            try:
                with intake.serve(url, 1, Path(log_dir), args.app) as server:
                    print(f"server: uvicorn {args.app} --factory, 1 worker, {server.base_url}, pid {server.pid}",
                          flush=True)
                    cpu = (sum(map(intake.proc_cpu_s, intake.process_tree(server.pid))), time.process_time())
                    items, safe, t0, times = asyncio.run(drive(args, server.base_url, requests))
                    cpu = (sum(map(intake.proc_cpu_s, intake.process_tree(server.pid))) - cpu[0],
                           time.process_time() - cpu[1])
                    alive = Path(f"/proc/{server.pid}").exists()  # the same process served before and after
            finally:
                if localdb("status").returncode != 0:  # never leave the cluster stopped (the database is dropped)
                    localdb("start")
            log = server.log.read_text(errors="replace").splitlines()
        acked = {str(it.body["request_id"]): it.incident_id for it in items if it.status in (200, 201)}
        stored = intake.check_stored(url, acked, [str(it.body["request_id"]) for it in items])
        rows, distinct, shared, stored_at = stored_rows(url, items)

    # ------------------------------------------------ report
    at = {k: v - t0 for k, v in times.items()}
    wall_t0 = time.time() - time.perf_counter() + t0  # t0 on the wall clock, as the database's received_at
    stored_s = np.floor(stored_at - wall_t0)  # when our rows were stored, whole seconds after t0
    up = times.get("start_done", float("inf"))
    att = safe.attempts
    print()
    print(f"Faults: POST /incidents, open loop at {args.rate:g}/s for {args.seconds:g} s, each request re-sent "
          f"(same request_id) after 503 / 5xx / no answer, Retry-After capped at {args.retry_after_cap:g} s, "
          f"deadline {args.deadline:g} s")
    print(f"  t0, the start of the timed run: {dt.datetime.fromtimestamp(wall_t0, dt.UTC):%H:%M:%S.%f}Z "
          f"(epoch {wall_t0:.3f} s; all times below are seconds after t0)")
    print(f"  database: stop command at {at.get('stop_cmd', float('nan')):.2f} s, stopped at "
          f"{at.get('stop_done', float('nan')):.2f} s; start command at {at.get('start_cmd', float('nan')):.2f} s, "
          f"up (command returned) at {at.get('start_done', float('nan')):.2f} s")
    statuses = Counter(a.status for a in att if a.status is not None)
    errors = Counter(a.error for a in att if a.error is not None)
    print(f"  logical requests {len(items):,}; attempts {len(att):,} "
          f"({', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))}; no answer: {sum(errors.values()):,}"
          + (f" {dict(errors)}" if errors else "") + ")")
    final = Counter(it.status if it.status in (200, 201) else "not acknowledged" for it in items)
    print(f"  final answers: first 201 or 200 {len(acked):,} ({', '.join(f'{k}: {v:,}' for k, v in final.items())}); "
          f"re-sent at least once {len({a.request for a in att if a.n > 0}):,}, most attempts "
          f"{max((a.n + 1 for a in att), default=0)}")
    ack_s = np.array([it.done - it.sent for it in items if it.status in (200, 201)])
    print(f"  time to acknowledgement, all attempts (ms)   {intake.percentiles_ms(ack_s)}")

    print("  timeline, s after t0: attempts answered then by status, 'none' no answer (timeout), '+r' of them "
          "re-sends, slowest of them, and our rows the database committed then ('stored')")
    end = max(a.done for a in att) - t0
    up_s = min(up - t0, args.seconds)  # (the run's end if the database never came back)
    edges = list(range(0, int(args.stop_at) - 5, 5)) + list(range(max(0, int(args.stop_at) - 5), int(up_s) + 10))
    edges += list(range(edges[-1] + 5, int(end) + 6, 5))
    for lo, hi in zip(edges, edges[1:], strict=False):
        in_s = [a for a in att if lo <= a.done - t0 < hi]
        c = Counter(a.status for a in in_s)
        lat = max((a.done - a.sent for a in in_s), default=0.0)
        other = {k: v for k, v in c.items() if k not in (200, 201, 503, None)}
        print(f"    {lo:3d}–{hi:<3d} 201 {c[201]:5,}  200 {c[200]:5,}  503 {c[503]:5,}  none {c[None]:5,}"
              f"  +r {sum(a.n > 0 for a in in_s):5,}  slowest {lat:6.2f} s"
              f"  stored {((stored_s >= lo) & (stored_s < hi)).sum():5,}" + (f"  other {other}" if other else ""))

    print()
    print("Figures and targets")
    lost = len(acked) - stored["same_id"]
    print(f"  acknowledged (first 201/200)                 {len(acked):,}")
    print(f"  stored under those request ids               {stored['rows']:,} (same id as answered: "
          f"{stored['same_id']:,}); with grid {stored['with_grid']:,}, with 受理 event {stored['with_event']:,}")
    print(f"  lost (acknowledged, not stored as answered)  {lost:,}   target 0: {verdict(lost == 0)}")
    dups = (rows - distinct) + shared
    print(f"  duplicated: rows with our descriptions {rows:,} for {distinct:,} distinct; request_id shared by "
          f"{shared} rows; = {dups}   target 0: {verdict(dups == 0 and distinct == rows)}")
    print(f"  never acknowledged {stored['unacked']:,}, of which stored anyway {stored['stored_unacked']:,}   "
          f"target 0: {verdict(stored['unacked'] == 0)}")
    via_200 = sum(it.status == 200 for it in items)
    print(f"  acknowledged by 200 on a re-send (an earlier attempt had been stored though not acknowledged): {via_200}")
    s503 = [a for a in att if a.status == 503]
    with_ra = sum(bool(a.retry_after) and a.retry_after.isdigit() for a in s503)
    print(f"  503 answers {len(s503):,}, with Retry-After {with_ra:,} "
          f"(values {dict(Counter(a.retry_after for a in s503))})   every one: {verdict(with_ra == len(s503))}")
    lat503 = np.array([a.done - a.sent for a in s503])
    worst = float(lat503.max()) if len(lat503) else 0.0
    print(f"  time to the 503 (ms)  {intake.percentiles_ms(lat503)}   all ≤ {TARGET_503_S:g} s: "
          f"{verdict(worst <= TARGET_503_S)}")
    # Fail fast also means no request left waiting: the attempts sent while the database was away, whatever they got.
    away = [a for a in att if times.get("stop_cmd", up) <= a.sent < up]
    waited = np.array([a.done - a.sent for a in away])
    slow = int((waited > TARGET_503_S).sum())
    print(f"  attempts sent while the database was away {len(away):,}, waited (ms) {intake.percentiles_ms(waited)}")
    print(f"  of them over {TARGET_503_S:g} s {slow:,}; attempts without answer (client timeout {args.timeout:g} s), "
          f"whenever sent, {sum(errors.values()):,}   target 0 and 0: {verdict(slow == 0 and not errors)}")
    bad = Counter(a.status for a in att if a.status is not None and a.status >= 500 and a.status != 503)
    other4 = Counter(a.status for a in att if a.status is not None and 400 <= a.status < 500)
    print(f"  answers ≥ 500 other than 503: {sum(bad.values())} {dict(bad) or ''}   target 0: "
          f"{verdict(not bad)}; answers 4xx: {sum(other4.values())} {dict(other4) or ''}")
    any_ok = min((a.done for a in att if a.status in (200, 201) and a.done >= up), default=float("inf")) - up
    new_ok = sorted(a.done for a in att if a.n == 0 and a.status == 201 and a.sent >= up)
    first_ok = (new_ok[0] - up) if new_ok else float("inf")
    # back to normal: from this second on, 3 whole seconds of ≥ 90 % of the rate of 201s to new requests
    per_s = Counter(int(t - up) for t in new_ok)
    normal = next((s for s in range(int(args.seconds)) if all(per_s[s + j] >= NORMAL_SHARE * args.rate
                                                            for j in range(3))), None)
    earlier = [it for it in items if it.sent < up]
    backlog = ("never, for all of them" if any(it.status not in (200, 201) for it in earlier) else
               f"{max(max((it.done for it in earlier), default=up) - up, 0.0):.1f} s after")
    print(f"  recovery after the database was up: first 201/200 of any attempt {any_ok:.2f} s, first 201 to a new "
          f"request {first_ok:.2f} s; 201s to new requests back to ≥ {NORMAL_SHARE:.0%} of the rate from second "
          f"{'never' if normal is None else normal}; requests sent before, all acknowledged: {backlog}")
    print(f"  recovered without restarting the app (same uvicorn process, pid alive: {alive}), first 201 to a new "
          f"request within the announced Retry-After ({RETRY_AFTER_S} s), normal rate again: "
          f"{verdict(alive and first_ok <= RETRY_AFTER_S and normal is not None)}")
    count = {k: sum(k in line for line in log) for k in ("Traceback", "error connecting", "database unavailable")}
    print(f"  server log: {len(log)} lines; " + ", ".join(f"'{k}' {v}" for k, v in count.items()))
    print(f"CPU seconds, warm-up and run: server (uvicorn) {cpu[0]:.1f}, this client {cpu[1]:.1f} "
          f"(both on the same {os.cpu_count()} cores); load average after: {netgen.loadavg()}")


if __name__ == "__main__":
    main()
