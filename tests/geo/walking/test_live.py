"""Access at any hour, computed on request: equal to the stored path, open stations only, never stale."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from geo.walking import access, coverage, gaps, live
from geo.walking.access import ANY_KIND

KINDS = (ANY_KIND, "党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站")
# Per street from the stored rows of an access run, by SQL written apart from the code under test.
STORED_BY_STREET = """
SELECT st.code, sum(bu.residents) AS residents,
       coalesce(sum(bu.residents) FILTER (WHERE a.distance_m <= %(limit_m)s), 0) AS covered
FROM buildings AS bu
JOIN grids AS g ON g.id = bu.grid_id
JOIN communities AS co ON co.code = g.community_code
JOIN streets AS st ON st.code = co.street_code
LEFT JOIN building_access AS a ON a.building_id = bu.id AND a.run_id = %(run)s AND a.station_kind = %(kind)s
WHERE bu.residents > 0
GROUP BY st.code ORDER BY st.code
"""
# Stations open at %(at)s by their stored hours (overnight hours wrap), in SQL.
OPEN_AT = """
SELECT id FROM stations
WHERE status = 'existing' AND (is_24h OR (opens <= closes AND %(at)s >= opens AND %(at)s < closes)
                               OR (opens > closes AND (%(at)s >= opens OR %(at)s < closes)))
"""


def _cases(n: int, seed: int = 20261206) -> list[tuple[dt.time, str, float]]:
    rng = np.random.default_rng(seed)
    return [(dt.time(int(rng.integers(24)), int(rng.integers(60))), KINDS[int(rng.integers(len(KINDS)))],
             float(np.round(rng.uniform(300, 1500), 1))) for _ in range(n)]


@pytest.mark.parametrize(("at", "kind", "limit_m"), _cases(4))
def test_any_hour_equals_the_stored_path_and_counts_only_open_stations(demo, at, kind, limit_m) -> None:
    rows = coverage.by_area(demo, "street", kind=kind, at=at, limit_m=limit_m)  # nothing stored for this hour
    assert access.stored_run(demo, at=at) is None
    run = access.recompute(demo, at=at).run_id
    stored = demo.execute(STORED_BY_STREET, {"run": run, "kind": kind, "limit_m": limit_m}).fetchall()
    assert sorted((r["code"], r["residents"], r["covered"]) for r in rows) == [tuple(r) for r in stored]
    found = live.access(demo, kind=kind, at=at)
    open_ids = {r[0] for r in demo.execute(OPEN_AT, {"at": at}).fetchall()}
    used = set(found.station_id[found.station_id >= 0].tolist())
    assert used <= open_ids, f"closed stations counted at {at}: {sorted(used - open_ids)}"


def test_an_answer_follows_the_stations_as_they_change(demo) -> None:
    night = dt.time(3, 0)
    before = coverage.totals(coverage.by_area(demo, "street", at=night))
    # the 7x24 stations close at night: fewer residents are covered at 03:00
    assert before["covered"] < coverage.totals(coverage.by_area(demo, "street"))["covered"]
    demo.execute("UPDATE stations SET is_24h = false, opens = '08:00', closes = '20:00' WHERE is_24h")
    after = coverage.totals(coverage.by_area(demo, "street", at=night))
    assert after["covered"] == 0 and after["residents"] == before["residents"]


def test_gaps_and_building_pages_at_any_hour(demo) -> None:
    at = dt.time(23, 30)
    found = gaps.compute(demo, at=at)
    totals = coverage.totals(coverage.by_area(demo, "grid", at=at))
    assert found.uncovered_residents == totals["uncovered"] > 0
    hexagons = gaps.geojson(demo, "hexagons", at=at)
    assert sum(f["properties"]["uncovered_residents"] for f in hexagons["features"]) == totals["uncovered"]
    assert hexagons["numberMatched"] == hexagons["numberReturned"] == len(hexagons["features"])
    page = json.loads(live.buildings_geojson(demo, at=at, limit=100, offset=6000))
    assert page["numberMatched"] == 6097 and page["numberReturned"] == 97
    assert access.stored_run(demo, at=at) is None  # reading stored nothing
