"""Stations as arrays for routing: where they are, their kind, and when they are open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import psycopg

from geo.db import sql as sql_file


@dataclass(frozen=True)
class Stations:
    """Stations aligned by index; lon/lat in EPSG:4326 degrees; hours as time of day."""

    ids: np.ndarray
    codes: np.ndarray
    kinds: np.ndarray
    existing: np.ndarray
    is_24h: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def open_at(self, at: dt.time | None) -> np.ndarray:
        """Mask of stations open at time of day `at` (all when None); overnight hours wrap."""
        if at is None:
            return np.ones(len(self), dtype=bool)
        return np.array([is_open(h24, o, c, at) for h24, o, c in zip(self.is_24h, self.opens, self.closes,
                                                                     strict=True)], dtype=bool)

    def select(self, mask: np.ndarray) -> Stations:
        """The stations where `mask` is true."""
        return Stations(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def is_open(is_24h: bool, opens: dt.time | None, closes: dt.time | None, at: dt.time) -> bool:
    """Whether a station with these hours is open at `at`; closing after midnight wraps."""
    if is_24h:
        return True
    if opens is None or closes is None:
        return False
    if opens <= closes:
        return opens <= at < closes
    return at >= opens or at < closes


def load(conn: psycopg.Connection) -> Stations:
    """Every stored station (existing and planned)."""
    rows = conn.execute(sql_file("stations_for_routing")).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    return Stations(
        ids=np.array(columns[0], dtype=np.int64), codes=np.array(columns[1], dtype=object),
        kinds=np.array(columns[2], dtype=object), existing=np.array([s == "existing" for s in columns[3]], dtype=bool),
        is_24h=np.array(columns[4], dtype=bool), opens=np.array(columns[5], dtype=object),
        closes=np.array(columns[6], dtype=object), lon=np.array(columns[7], dtype=float),
        lat=np.array(columns[8], dtype=float))
