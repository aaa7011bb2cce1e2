"""What-if against the stored path: the same change made in the stations table, access recomputed, coverage read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest
import shapely

from geo.errors import NotFound
from geo.layers import stations as stations_mod
from geo.walking import _loaded, access, coverage, whatif

SEED = 20261205
CASES = 4
LIMIT_M = 1000.0
ROUNDING_M = 0.01  # the stored path keeps distances to the centimetre


def random_change(conn: psycopg.Connection, rng: np.random.Generator) -> whatif.Change:
    west, south, east, north = conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM grids) AS x"
    ).fetchone()
    codes = [r[0] for r in conn.execute("SELECT code FROM stations WHERE status = 'existing' ORDER BY code")]
    picked = rng.choice(codes, 3, replace=False)

    def spot() -> tuple[float, float]:
        return float(rng.uniform(west, east)), float(rng.uniform(south, north))

    add = tuple(whatif.NewStation(*spot(), kind="城市驿站") for _ in range(int(rng.integers(1, 3))))
    return whatif.Change(add=add, move={str(picked[0]): spot()}, remove=(str(picked[1]),))


def store(conn: psycopg.Connection, change: whatif.Change) -> None:
    """Make `change` in the stations table (the caller rolls it back)."""
    for i, s in enumerate(change.add):
        conn.execute("INSERT INTO stations (code, name, kind, is_24h, geom) "
                     "VALUES (%s, %s, %s, true, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                     (f"WHATIF{i}", f"假设{i}", s.kind, s.lon, s.lat))
    for code, (lon, lat) in change.move.items():
        conn.execute("UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE code = %s", (lon, lat, code))
    conn.execute("DELETE FROM stations WHERE code = ANY(%s)", (list(change.remove),))


def stored_by_street(conn: psycopg.Connection, at: dt.time | None) -> dict[str, int]:
    access.recompute(conn, at=at)
    return {r["code"]: int(r["covered"]) for r in coverage.by_area(conn, "street", at=at, limit_m=LIMIT_M)}


@pytest.mark.parametrize("at", [None, dt.time(22, 0)])
def test_before_and_after_equal_the_stored_path(demo: psycopg.Connection, at: dt.time | None) -> None:
    loaded = _loaded.current(demo)
    rng = np.random.default_rng(SEED)
    for _ in range(CASES):
        change = random_change(demo, rng)
        answer = whatif.whatif(demo, loaded, change, at=at, limit_m=LIMIT_M)
        # Buildings within a centimetre beyond the limit may count as covered once distances are rounded.
        after_all, _ = whatif.apply(stations_mod.load(demo), change)
        after = after_all.select(access.counting(after_all, "全部", at, False))
        near_limit = (whatif.distances(loaded, after) > LIMIT_M) & (whatif.distances(loaded, after) <= LIMIT_M + ROUNDING_M)
        slack = int(loaded.residents[near_limit].sum())
        demo.execute("SAVEPOINT whatif")
        before = stored_by_street(demo, at)
        store(demo, change)
        later = stored_by_street(demo, at)
        demo.execute("ROLLBACK TO SAVEPOINT whatif")
        for row in answer["by_street"]:
            assert row["covered_before"] == before[row["code"]], row
            assert abs(row["covered_after"] - later[row["code"]]) <= slack, row
        assert answer["after"]["covered"] - answer["before"]["covered"] == answer["newly_covered"] - answer["newly_lost"]
        assert shapely.is_valid(answer["newly_covered_area"])


def test_nothing_is_stored_and_unknown_codes_are_named(demo: psycopg.Connection) -> None:
    loaded = _loaded.current(demo)
    count = demo.execute("SELECT count(*), sum(ST_X(geom)) FROM stations").fetchone()
    with pytest.raises(NotFound, match="NOPE"):
        whatif.whatif(demo, loaded, whatif.Change(remove=("NOPE",)))
    lon, lat = demo.execute("SELECT ST_X(geom) + 0.01, ST_Y(geom) FROM stations ORDER BY code LIMIT 1").fetchone()
    answer = whatif.whatif(demo, loaded, whatif.Change(add=(whatif.NewStation(lon, lat, "城市驿站"),)))
    assert answer["newly_lost"] == 0 and answer["newly_covered"] >= 0
    assert demo.execute("SELECT count(*), sum(ST_X(geom)) FROM stations").fetchone() == count
