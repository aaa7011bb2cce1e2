"""The handling history of the demo year of incidents: when each was received and who did what until AS_OF.

Times are drawn from plausible distributions (lognormal delays, office hours for everything
that is not urgent) and follow the transition table of migrations 0004 and 0012: most
incidents are answered within hours and closed within their time limit, some late, a few
returned to the dispatcher or reopened after an unsatisfied callback; 即办件 and 告知件 are
mostly closed straight from 受理, 上报件 are escalated to the street (吹哨报到) with a
deadline of their own, 协办件 get co-handling departments. Nothing happens after AS_OF, so
the last days are still open. Actors are staff labels (网格员 with the grid code, 调度员,
departments, streets): never any personal data.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import shapely

from data.demo_city.admin import Admin
from data.demo_city.categories import CATEGORIES, Category
from data.demo_city.frame import to_utm
from geo.coords.chinacoords import bd09_to_wgs84, gcj02_to_wgs84

CHINA = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2026, 11, 1, 9, 0, tzinfo=CHINA)  # the moment the demo stands still
HOUR_S, DAY_S = 3600.0, 86400.0
OFFICE_HOURS = (8.5, 18.0)  # local hours in which offices act on matters that are not urgent
URGENT_LIMIT_HOURS = 2  # categories with this limit or less are acted on at any hour
# Report → receipt (受理), minutes: (median, log-sd, office hours only), by channel.
RECEIPT = {"12345热线": (4.0, 0.6, False), "现场": (8.0, 0.7, False), "走访": (30.0, 0.8, False),
           "网络": (45.0, 0.9, True), "信箱": (180.0, 0.8, True)}
RESPONSE_MIN = (90.0, 0.9)  # receipt → first action, minutes (median, log-sd)
URGENT_RESPONSE_MIN = (12.0, 0.6)
MORNING_QUEUE_MIN = (30.0, 0.7)  # after a night: minutes past opening time (median, log-sd)
ON_THE_SPOT = ("现场", "走访")  # a grid worker is already there: answered in half the time
DIRECT_CLOSE = {"即办件": 0.75, "告知件": 0.8}  # share closed straight from 受理
RETURNED = 0.03  # share returned (退回) once by a department, then 重新受理 by the dispatcher
RETURNED_FROM_RECEIPT = 0.6  # … refused at once rather than after starting
RETURN_DELAY_MIN = (180.0, 0.8)  # 办理 → 退回
REDISPATCH_MIN = (120.0, 0.8)  # 退回 → 重新受理
ESCALATED_OTHERS = 0.02  # share of 承诺件 and 协办件 a grid escalates after the department started
ESCALATED_AT_ONCE = 0.6  # share of 上报件 escalated before any department acts
ESCALATION_DELAY_MIN = (24 * 60.0, 0.6)  # 办理 → 上报
ESCALATION_DAYS = {"上报件": 15, "other": 7}  # the street's deadline after 上报
LATE = 0.03  # share that overruns the deadline on purpose (others may still overrun at night)
ON_TIME_SPAN = (0.15, 0.95)  # closure at this fraction of the time allowed, uniformly
LATE_OVERRUN = 0.35  # mean overrun of late ones, as a fraction of the time allowed (exponential)
MIN_HANDLING_MIN = {"urgent": 20.0, "other": 60.0}
FEEDBACK_SHARE = (0.6, 0.92)  # 反馈 at this fraction of the way from first action to closure
FEEDBACK_REJECTED = 0.01  # dispatcher reopens from 反馈: the answer was incomplete
REWORK_MIN = (24 * 60.0, 0.7)  # reopened → new 反馈
CALLBACK_MIN = (120.0, 0.8)  # new 反馈 → callback and 办结
UNRATED = 0.04  # closures without a rating (the citizen could not be reached)
SATISFIED = {"on_time": 0.91, "late": 0.72, "reworked": 0.8}
REOPENED_IF_UNSATISFIED = 0.4  # unsatisfied closures reopened once
REOPEN_DELAY_MIN = (24 * 60.0, 0.8)
CO_DEPARTMENTS = (1, 2)  # co-handling departments of a 协办件, besides its own: 2–3 departments in all
MIN_GAP_S = 60  # two steps of one incident are at least a minute apart
# Feedback way (反馈方式) shares by channel: 即时, 公示, 走访, 电话, 网络.
FEEDBACK_WAYS = ("即时反馈", "公示反馈", "走访反馈", "电话反馈", "网络反馈")
FEEDBACK_BY_CHANNEL = {"12345热线": (0.10, 0.08, 0.12, 0.60, 0.10), "网络": (0.05, 0.07, 0.08, 0.20, 0.60),
                       "现场": (0.50, 0.05, 0.25, 0.15, 0.05), "走访": (0.15, 0.05, 0.60, 0.15, 0.05),
                       "信箱": (0.05, 0.25, 0.25, 0.35, 0.10)}
DISPATCHER = "调度员"
COLUMNS = ("request_id", "at", "actor", "action", "note", "feedback_way", "satisfied", "deadline", "co_departments")
LIST_SEPARATOR = "、"  # between co-handling departments
ASSIGN_FALLBACK_M = 200.0  # as the database's 属地兜底: the nearest grid within this distance
UNIFORMS_PER_INCIDENT, NORMALS_PER_INCIDENT = 48, 16
# Rows the incident import refuses: no history for them.
REFUSED_DEFECTS = ("empty_coordinates", "garbled_number", "swapped_lonlat", "unknown_category", "bad_timestamp")


def _parse(text: str) -> float:
    """Epoch seconds of an ISO timestamp, NaN when it does not parse."""
    try:
        return dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return math.nan


def _stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(round(t), CHINA).isoformat()


def _office(t: float) -> float:
    """`t` if offices are open then, else the next opening time (epoch seconds)."""
    local_s = (t + CHINA.utcoffset(None).total_seconds()) % DAY_S
    opens, closes = (h * HOUR_S for h in OFFICE_HOURS)
    if opens <= local_s < closes:
        return t
    return t - local_s + opens + (DAY_S if local_s >= closes else 0.0)


def received_times(rng: np.random.Generator, incidents: pd.DataFrame) -> list[str]:
    """受理 time of each incident (ISO, +08:00): minutes to hours after the report by channel, never after AS_OF.

    Empty where the reported time does not parse (a deliberately damaged row).
    """
    reported = np.array([_parse(s) for s in incidents.reported_at])
    medians, sds, office = (np.array([RECEIPT[c][k] for c in incidents.channel]) for k in range(3))
    delay = 60.0 * medians * np.exp(sds * rng.standard_normal(len(incidents)))
    out = []
    for t, d, office_only in zip(reported, delay, office, strict=True):
        if math.isnan(t):
            out.append("")
            continue
        at = _office(t + d) if office_only else t + d
        out.append(_stamp(max(t, min(at, AS_OF.timestamp()))))
    return out


class _Draws:
    """One incident's pre-drawn random numbers, used in order (keeps the stream independent of branching)."""

    def __init__(self, uniforms: np.ndarray, normals: np.ndarray) -> None:
        self._u, self._z, self._i, self._j = uniforms, normals, 0, 0

    def u(self) -> float:
        self._i += 1
        return float(self._u[self._i - 1])

    def minutes(self, median_sd: tuple[float, float]) -> float:
        """A lognormal delay in seconds with the given median (minutes) and log-sd."""
        self._j += 1
        return 60.0 * median_sd[0] * math.exp(median_sd[1] * float(self._z[self._j - 1]))

    def pick(self, options: tuple, shares: tuple[float, ...]) -> object:
        x, total = self.u() * sum(shares), 0.0
        for option, share in zip(options, shares, strict=True):
            total += share
            if x < total:
                return option
        return options[-1]


class _Story:
    """The events of one incident in the making: times kept increasing, detail in the file's columns."""

    def __init__(self, request_id: str, start: float) -> None:
        self.request_id, self.last, self.rows = request_id, start, []

    def add(self, t: float, actor: str, action: str, note: str, **detail: str) -> float:
        t = max(round(t), round(self.last) + MIN_GAP_S)
        self.last = t
        self.rows.append((t, {"request_id": self.request_id, "at": _stamp(t), "actor": actor, "action": action,
                              "note": note, **detail}))
        return t


def _grid_codes(incidents: pd.DataFrame, admin: Admin) -> np.ndarray:
    """The grid code of each incident as the database would assign it (nearest within 200 m), '' if none."""
    lon = pd.to_numeric(incidents.lon, errors="coerce").to_numpy(dtype=float, copy=True)
    lat = pd.to_numeric(incidents.lat, errors="coerce").to_numpy(dtype=float, copy=True)
    for system, inverse in (("GCJ02", gcj02_to_wgs84), ("BD09", bd09_to_wgs84)):
        rows = (incidents.coord_system == system).to_numpy()
        lon[rows], lat[rows] = inverse(lon[rows], lat[rows])
    ok = np.isfinite(lon) & np.isfinite(lat)
    points = to_utm(shapely.points(lon[ok], lat[ok]))
    grids = admin.grids.sort_values("code")
    where, which = shapely.STRtree(grids.geometry.to_numpy()).query_nearest(
        points, max_distance=ASSIGN_FALLBACK_M, all_matches=False)
    codes = np.full(len(incidents), "", dtype=object)
    codes[np.flatnonzero(ok)[where]] = grids.code.to_numpy()[which]
    return codes


def build_history(rng: np.random.Generator, incidents: pd.DataFrame, bad_rows: pd.DataFrame,
                  admin: Admin) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incidents with their 受理 time (column received_at, after reported_at), and every handling step
    after 受理 of those the import stores, oldest first, until AS_OF."""
    received = received_times(rng, incidents)
    incidents = incidents.copy()
    incidents.insert(incidents.columns.get_loc("reported_at") + 1, "received_at", received)
    refused = set(bad_rows.request_id[bad_rows.defect.isin(REFUSED_DEFECTS)])
    grid = _grid_codes(incidents, admin)
    street_names = dict(zip(admin.streets.code, admin.streets.name, strict=True))
    categories = {c.code: c for c in CATEGORIES}
    uniforms = rng.random((len(incidents), UNIFORMS_PER_INCIDENT))
    normals = rng.standard_normal((len(incidents), NORMALS_PER_INCIDENT))
    rows: list[tuple[float, dict[str, str]]] = []
    for k, row in enumerate(incidents.itertuples(index=False)):
        if row.request_id in refused:
            continue
        story = _Story(row.request_id, _parse(received[k]))
        _simulate(_Draws(uniforms[k], normals[k]), story, categories[row.category_code], row.channel,
                  _parse(row.reported_at), grid[k], street_names.get(grid[k][:9], ""))
        rows += [r for r in story.rows if r[0] <= AS_OF.timestamp()]
    rows.sort(key=lambda r: r[0])  # stable: one incident's steps keep their order
    return incidents, pd.DataFrame([r[1] for r in rows], columns=list(COLUMNS)).fillna("")


def _simulate(d: _Draws, story: _Story, cat: Category, channel: str, reported: float, grid: str,
              street: str) -> None:
    """Draw the whole story of one incident (the caller cuts it at AS_OF)."""
    urgent = cat.time_limit_hours <= URGENT_LIMIT_HOURS
    grid_worker = f"网格员{grid}" if grid else DISPATCHER
    t = _respond(d, story.last, urgent, channel)
    if d.u() < DIRECT_CLOSE.get(cat.handling_type, 0.0):
        closer = grid_worker if channel in ON_THE_SPOT or cat.handling_type == "即办件" else cat.department
        satisfied, rating = _rating(d, t > reported + cat.time_limit_hours * HOUR_S)
        done = "现场即时处理完毕" if cat.handling_type == "即办件" else "已答复告知"
        story.add(t, closer, "办结", f"{done}；{rating}", satisfied=satisfied)
        _after_closure(d, story, cat, channel, cat.department, reported + cat.time_limit_hours * HOUR_S)
        return
    if d.u() < RETURNED:
        if d.u() >= RETURNED_FROM_RECEIPT:
            t = story.add(t, cat.department, "办理", f"已派单至{cat.department}")
            t += d.minutes(RETURN_DELAY_MIN)
        t = story.add(t, cat.department, "退回", "非本单位职责，申请退回")
        t = story.add(_office(t + d.minutes(REDISPATCH_MIN)), DISPATCHER, "重新受理", "已核实职责，重新派单")
        t = _respond(d, t, urgent, channel)
    escalate = bool(grid) and (cat.handling_type == "上报件" or d.u() < ESCALATED_OTHERS)
    at_once = escalate and cat.handling_type == "上报件" and d.u() < ESCALATED_AT_ONCE
    handler, start, allowed = cat.department, reported, cat.time_limit_hours * HOUR_S
    if not at_once:
        co = _co_departments(d, cat)
        t = story.add(t, cat.department, "办理", f"已派单至{cat.department}" + (f"，协办：{co}" if co else ""),
                      co_departments=co)
    if escalate:
        if not at_once:
            t = _office(t + d.minutes(ESCALATION_DELAY_MIN))
        days = ESCALATION_DAYS["上报件" if cat.handling_type == "上报件" else "other"]
        t = story.add(t, grid_worker, "上报", "网格内无法解决，吹哨上报街道", deadline=_stamp(round(t) + days * DAY_S))
        handler, start, allowed = street, float(round(t)), days * DAY_S
    _handle(d, story, t, cat, channel, handler, start + allowed, allowed, urgent)


def _respond(d: _Draws, t: float, urgent: bool, channel: str) -> float:
    """When the first action after (re)receipt happens: urgent at any hour, others in office hours."""
    delay = d.minutes(URGENT_RESPONSE_MIN if urgent else RESPONSE_MIN) * (0.5 if channel in ON_THE_SPOT else 1.0)
    if urgent:
        return t + delay
    opened = _office(t + delay)
    return opened if opened == t + delay else opened + d.minutes(MORNING_QUEUE_MIN)


def _co_departments(d: _Draws, cat: Category) -> str:
    if not cat.partners:
        return ""
    n = CO_DEPARTMENTS[0] if d.u() < 0.6 else CO_DEPARTMENTS[1]
    chosen = sorted(range(len(cat.partners)), key=lambda _: d.u())[:n]
    return LIST_SEPARATOR.join(cat.partners[i] for i in sorted(chosen))


def _handle(d: _Draws, story: _Story, t: float, cat: Category, channel: str, handler: str, deadline: float,
            allowed: float, urgent: bool) -> None:
    """反馈 then 办结 by callback, on time or late; maybe a rejected 反馈; then the rating and its aftermath."""
    late = d.u() < LATE
    span = 1.0 + LATE_OVERRUN * -math.log(1.0 - d.u()) if late else ON_TIME_SPAN[0] + d.u() * (
        ON_TIME_SPAN[1] - ON_TIME_SPAN[0])
    minimum = MIN_HANDLING_MIN["urgent" if urgent else "other"] * 60.0
    close = max(deadline - allowed + span * allowed, t + minimum)
    share = FEEDBACK_SHARE[0] + d.u() * (FEEDBACK_SHARE[1] - FEEDBACK_SHARE[0])
    t = story.add(t + share * (close - t), handler, "反馈", f"{cat.name}问题已处理", feedback_way=_way(d, channel))
    if d.u() < FEEDBACK_REJECTED:
        t = story.add(t + d.minutes(CALLBACK_MIN), DISPATCHER, "重新打开", "反馈内容不完整，退回重办")
        t = story.add(t + d.minutes(REWORK_MIN), handler, "反馈", f"{cat.name}问题已重新处理", feedback_way=_way(d, channel))
        close = t + d.minutes(CALLBACK_MIN)
    satisfied, rating = _rating(d, close > deadline)
    story.add(close, DISPATCHER, "办结", rating, satisfied=satisfied)
    _after_closure(d, story, cat, channel, handler, deadline)


def _rating(d: _Draws, late: bool, *, reworked: bool = False) -> tuple[str, str]:
    """The callback's satisfaction as the file writes it ('' when unrated) and the note that goes with it."""
    if d.u() < UNRATED:
        return "", "回访未接通，未评价"
    satisfied = d.u() < SATISFIED["reworked" if reworked else "late" if late else "on_time"]
    return ("true", "回访满意") if satisfied else ("false", "回访不满意")


def _after_closure(d: _Draws, story: _Story, cat: Category, channel: str, handler: str, deadline: float) -> None:
    """An unsatisfied closure is sometimes reopened once: rework, new 反馈, new callback."""
    if story.rows[-1][1].get("satisfied") != "false" or d.u() >= REOPENED_IF_UNSATISFIED:
        return
    t = story.add(_office(story.last + d.minutes(REOPEN_DELAY_MIN)), DISPATCHER, "重新打开", "回访不满意，重新办理")
    t = story.add(t + d.minutes(REWORK_MIN), handler, "反馈", f"{cat.name}问题已重新处理", feedback_way=_way(d, channel))
    close = t + d.minutes(CALLBACK_MIN)
    satisfied, rating = _rating(d, close > deadline, reworked=True)
    story.add(close, DISPATCHER, "办结", rating, satisfied=satisfied)


def _way(d: _Draws, channel: str) -> str:
    return str(d.pick(FEEDBACK_WAYS, FEEDBACK_BY_CHANNEL[channel]))
