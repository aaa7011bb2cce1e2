"""Walking access for any hour, computed on request: nothing to precompute, nothing written.

Coverage, gaps and per-building access for stations open at any time of day are answered
from the graph and snapped buildings kept in memory (geo.walking._loaded) with one
multi-source pass (geo.walking.access.nearest): a few milliseconds. Answers are kept per
data version (network and buildings imports), stations (their positions, kinds, status and
hours as stored now), kind, hour and planned-station choice, so a repeated question costs
nothing and any change to the stations or the data gives a fresh answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import psycopg

from geo.db import sql as sql_file
from geo.layers import stations as stations_mod
from geo.layers.export import COORDINATE_DECIMALS
from geo.walking import _loaded
from geo.walking.access import ANY_KIND, counting, nearest
from geo.walking.circles import DEFAULT_SPEED_KMH

MAX_KEPT = 64  # answers kept (each is three arrays of one value per building)


@dataclass(frozen=True)
class Access:
    """Per building (aligned with `building_ids`): walking distance in metres to the nearest
    counting station (inf: none reachable) and that station's id (-1: none)."""

    building_ids: np.ndarray
    residents: np.ndarray
    distance_m: np.ndarray
    station_id: np.ndarray
    stations: int

    def sql_arrays(self) -> dict[str, list]:
        """Query parameters `building_ids`, `distances` (NULL: unreachable), `station_ids` for the SQL files."""
        reachable = np.isfinite(self.distance_m)
        return {"building_ids": self.building_ids.tolist(),
                "distances": [float(d) if r else None for d, r in zip(self.distance_m, reachable, strict=True)],
                "station_ids": [int(s) if r else None for s, r in zip(self.station_id, reachable, strict=True)]}


_lock = threading.Lock()
_kept: OrderedDict[tuple, Access] = OrderedDict()


def _fingerprint(stations: stations_mod.Stations) -> int:
    return hash(tuple(tuple(getattr(stations, f).tolist()) for f in stations_mod.Stations.__dataclass_fields__))


def access(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
           include_planned: bool = False) -> Access:
    """Each building's walk to the nearest station of `kind` open at `at` (None: any hour)."""
    loaded = _loaded.current(conn)
    everything = stations_mod.load(conn)
    key = (f"{conn.info.host}:{conn.info.port}/{conn.info.dbname}", loaded.version, _fingerprint(everything),
           kind, at, include_planned)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    chosen = everything.select(counting(everything, kind, at, include_planned))
    found, _ = nearest(loaded.graph, chosen, loaded.buildings, kind)
    answer = Access(loaded.building_ids, loaded.residents, found.distance_m, found.station_id, len(chosen))
    with _lock:
        _kept[key] = answer
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return answer


def buildings_geojson(conn: psycopg.Connection, *, kind: str = ANY_KIND, at: dt.time | None = None,
                      include_planned: bool = False, speed_kmh: float = DEFAULT_SPEED_KMH,
                      limit: int, offset: int) -> bytes:
    """One page of per-building nearest-station distances (metres, and minutes at `speed_kmh`), by building
    code, with `numberMatched` (all buildings) and `numberReturned`."""
    found = access(conn, kind=kind, at=at, include_planned=include_planned)
    row = conn.execute(sql_file("access_geojson"), {
        **found.sql_arrays(), "kind": kind, "speed_kmh": speed_kmh, "limit": limit, "offset": offset,
        "decimals": COORDINATE_DECIMALS}).fetchone()
    return row[0].encode("utf-8")
