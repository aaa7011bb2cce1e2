"""The monthly district report's content, gathered for one month: figures, worst units, map layers.

Everything the report shows comes from here, read at one instant (`now`); web/report_pdf.py only
draws it. Figures are those of geo.incidents.figures (the same as /figures and the dashboard);
walking coverage is computed on request (geo.walking.coverage: residents within 1,000 m of any
existing station at any hour). Nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import shapely
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import EmptyNetwork, NotFound
from geo.incidents import figures as f
from geo.incidents.figures import Month
from geo.map_data import stations as map_stations
from geo.walking import coverage

LEVELS: tuple[f.Level, ...] = ("district", "street", "community", "grid", "department")
WORST_LEVELS: tuple[f.Level, ...] = ("street", "community", "grid", "department")
WORST_COUNT = 5
# A unit is ranked only when the rate's base has this many incidents in the month (fewer say little).
WORST_MIN_BASE = {"street": 10, "community": 10, "grid": 5, "department": 10}
MAP_TOLERANCE_DEG = 0.00005  # about 5 m: invisible on an A4 page of a district


@dataclasses.dataclass(frozen=True)
class MonthlyReport:
    """One month of one district (or of every district loaded), as of `generated_at`."""

    district: str                     # the district's name (names joined with 、 when several)
    month: Month
    generated_at: dt.datetime         # aware; figures are as of this instant
    overview: dict[str, object]       # geo.incidents.figures.overview() of `month`
    coverage_share: float | None      # district residents within the walk (0–1), None without a network
    worst: dict[str, dict[str, list[dict[str, object]]]]  # level -> {"overdue_rate"|"satisfaction_rate": rows}
    grids: list[dict[str, object]]    # code, residents, geom (shapely, EPSG:4326), coverage (0–1|None), row (figures|None)
    streets: list[dict[str, object]]  # code, name, lon, lat (label point), geom
    stations: list[dict[str, object]]  # existing stations: kind, lon, lat

    @property
    def file_name(self) -> str:
        """潞州区网格化治理月报-2026-10.pdf"""
        return f"{self.district}网格化治理月报-{self.month}.pdf"

    @property
    def district_row(self) -> dict[str, object]:
        """The district's figures of the month (with `previous`)."""
        return self.overview["levels"]["district"][0]


def gather(conn: psycopg.Connection, month: Month, *, now: dt.datetime | None = None) -> MonthlyReport:
    """The report of `month`; NotFound when no incident on a grid was reported that month."""
    now = now or dt.datetime.now(dt.UTC)
    overview = f.overview(conn, month, levels=LEVELS, now=now)
    if not overview["levels"]["district"]:
        raise NotFound(f"{month.label}没有落入网格的事件上报，无法生成月报")
    levels = overview["levels"]
    worst = {level: {"overdue_rate": f.worst(levels[level], "overdue_rate", count=WORST_COUNT,
                                             min_base=WORST_MIN_BASE[level]),
                     "satisfaction_rate": f.worst(levels[level], "satisfaction_rate", count=WORST_COUNT,
                                                  min_base=WORST_MIN_BASE[level], highest=False)}
             for level in WORST_LEVELS}
    try:
        by_grid = coverage.by_area(conn, "grid")
        shares = {r["code"]: None if r["share"] is None else float(r["share"]) for r in by_grid}
        district_share = coverage.totals(by_grid)["share"]
    except EmptyNetwork:
        shares, district_share = {}, None
    rows = {r["code"]: r for r in levels["grid"]}
    cur = conn.cursor(row_factory=dict_row)
    grids = [{"code": g["code"], "residents": int(g["residents"]), "geom": shapely.from_wkb(g["wkb"]),
              "coverage": shares.get(g["code"]), "row": rows.get(g["code"])}
             for g in cur.execute(sql_file("report_grids"), {"tolerance": MAP_TOLERANCE_DEG})]
    streets = [{"code": s["code"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                "geom": shapely.from_wkb(s["wkb"])}
               for s in cur.execute(sql_file("report_streets"), {"tolerance": MAP_TOLERANCE_DEG})]
    stations = [{"kind": s["kind"], "lon": s["lon"], "lat": s["lat"]} for s in map_stations(conn)
                if s["status"] == "existing"]
    names = [r[0] for r in conn.execute("SELECT name FROM districts ORDER BY code")]
    return MonthlyReport(district="、".join(names) or str(levels["district"][0]["name"]), month=month,
                         generated_at=now, overview=overview,
                         coverage_share=None if district_share is None else float(district_share),
                         worst=worst, grids=grids, streets=streets, stations=stations)
