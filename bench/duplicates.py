"""Duplicate linking during imports: does the insert rate hold as the table grows?

    export DATABASE_URL=$(scripts/localdb.sh url)
    PYTHONPATH=. python -m bench.duplicates [--batches 6] [--rows 5000]

Every inserted incident looks for an earlier report of its category within 50 m and 24 h (the
trigger of migration 0004). The hard case is an import where one category and one day
dominate: with only the (category, time) index, each row scans the whole day of its category,
so the rate falls with the import's size. Migration 0008 adds a GiST index on (category, geom).

Here, in a throwaway database: `--batches` batches of `--rows` incidents, all one category and
one day, at points uniform over a district-sized square (10 km) and over a hot spot (2 km),
inserted through the trigger, with the index and, as the reference, without it. Printed: rows/s
of each batch, and the last batch's rate as a share of the first's (target: ≥ 0.8).
"""

from __future__ import annotations

import argparse
import os
import time

import psycopg

from bench import network as netgen

INSERT = """
INSERT INTO incidents (channel, category_code, reported_at, geom, description)
SELECT '12345热线', 'B01', timestamptz '2026-11-02 08:00+08' + (g * %(step)s * interval '1 second'),
       ST_SetSRID(ST_MakePoint(112.50 + random() * %(side)s, 37.80 + random() * %(side)s), 4326), '基准测试'
FROM generate_series(1, %(rows)s) AS g
"""
# A year of ordinary history first (20 categories, the whole square), then ANALYZE: the planner's
# statistics say any one category on any one day is rare, as they would before a large import.
HISTORY = """
INSERT INTO incidents (channel, category_code, reported_at, geom, description)
SELECT '12345热线', 'H' || lpad((g %% 20)::text, 2, '0'),
       timestamptz '2025-11-01 08:00+08' + (g * interval '1 second' * 31536000 / %(rows)s),
       ST_SetSRID(ST_MakePoint(112.50 + random() * 0.1, 37.80 + random() * 0.1), 4326), '历史'
FROM generate_series(1, %(rows)s) AS g
"""
AREAS = (("district, 10 km square", 0.1), ("hot spot, 2 km square", 0.02))
TARGET_SHARE = 0.8


def run(url: str, side_deg: float, batches: int, rows: int, history: int, indexed: bool) -> list[float]:
    """Rows per second of each batch after `history` ordinary incidents, with or without the index."""
    with psycopg.connect(url) as conn:
        conn.execute("TRUNCATE incidents CASCADE")
        conn.execute("SELECT setseed(0.5)")
        conn.execute(HISTORY, {"rows": history})
        conn.commit()
        conn.execute("ANALYZE incidents")
        if not indexed:
            conn.execute("DROP INDEX IF EXISTS incidents_category_geom_idx")
        conn.commit()
        rates = []
        for _ in range(batches):
            start = time.perf_counter()
            # One day: the batch's times spread over 24 h, so every row is a candidate for every later one.
            conn.execute(INSERT, {"rows": rows, "side": side_deg, "step": 86_000 / rows})
            conn.commit()
            rates.append(rows / (time.perf_counter() - start))
        if not indexed:
            conn.execute("CREATE INDEX incidents_category_geom_idx ON incidents USING gist (category_code, geom)")
            conn.commit()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=6, help="batches inserted one after the other")
    parser.add_argument("--rows", type=int, default=5000, help="incidents per batch")
    parser.add_argument("--history", type=int, default=30000, help="ordinary incidents of a year stored first")
    args = parser.parse_args()
    print(f"bench.duplicates  {os.cpu_count()} CPUs, load average {netgen.loadavg()}")
    with netgen.throwaway_database(netgen.admin_url(), "duplicates") as url:
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO categories (code, name, department, handling_type, time_limit_hours) "
                         "SELECT code, code, '基准部门', '承诺件', 72 FROM unnest(%s::text[]) AS code",
                         (["B01", *(f"H{k:02d}" for k in range(20))],))
            conn.commit()
        print(f"after {args.history:,} ordinary incidents of a year (20 categories) and ANALYZE: {args.batches} "
              f"batches of {args.rows:,} incidents, one category, one day; rows/s per batch")
        for label, side in AREAS:
            for indexed in (True, False):
                rates = run(url, side, args.batches, args.rows, args.history, indexed)
                share = rates[-1] / rates[0]
                name = "ours: GiST (category, geom)" if indexed else "reference: without it"
                verdict = ("met" if share >= TARGET_SHARE else "NOT met") if indexed else ""
                print(f"  {label:<24} {name:<28} {'  '.join(f'{r:7,.0f}' for r in rates)}   "
                      f"last/first {share:.2f} {verdict}")
    print(f"target: the last batch at least {TARGET_SHARE:.0%} of the first's rate; load average {netgen.loadavg()}")


if __name__ == "__main__":
    main()
