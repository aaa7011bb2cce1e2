"""Which incidents: one filter shared by the desk's queue, the incidents map and the dashboard's links.

A filter reads from and writes back to URL parameters of the same names, so that a figure on the
dashboard links to exactly the incidents behind it, and becomes one SQL condition over the aliases
`i` (incidents) and `g` (grids, left-joined). Dates are calendar days in Asia/Shanghai, inclusive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Literal
from zoneinfo import ZoneInfo

from psycopg import sql

from geo.errors import BadRequest

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUSES = ("受理", "办理", "反馈", "办结", "退回")
HANDLING_TYPES = ("即办件", "承诺件", "上报件", "协办件", "告知件")
DEFAULT_SOON_HOURS = 24
MAX_SOON_HOURS = 24 * 30
MAX_TEXT = 100
_AREA = re.compile(r"^[0-9]{6,15}$")
_TRUE, _FALSE = frozenset({"1", "true", "yes", "是"}), frozenset({"0", "false", "no", "否"})
Due = Literal["overdue", "soon"]


@dataclasses.dataclass(frozen=True)
class IncidentFilter:
    """Conditions that all hold; a field left at its default adds none."""

    status: tuple[str, ...] = ()
    open_only: bool = False          # not 办结
    due: Due | None = None           # overdue: open past deadline; soon: open, deadline within `hours`
    hours: int = DEFAULT_SOON_HOURS
    late: bool = False               # the figures' 超期: open past deadline now, or closed after it
    category: str | None = None      # category code
    department: str | None = None    # responsible or co-handling department
    handling_type: str | None = None  # 五件式 type
    channel: str | None = None
    area: str | None = None          # street, community or grid code (prefix)
    start: dt.date | None = None     # reported on or after this day (Asia/Shanghai)
    end: dt.date | None = None       # reported on or before this day (Asia/Shanghai)
    satisfied: bool | None = None
    unplaced: bool = False           # on no grid: out of area or without a location
    q: str | None = None             # text: id, category, grid, department; description for staff with personal data

    @classmethod
    def from_query(cls, params: Mapping[str, str | Sequence[str]]) -> IncidentFilter:
        """Parse URL parameters (`status` may repeat); BadRequest names the parameter at fault."""
        def one(name: str) -> str | None:
            value = params.get(name)
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else None
            value = value.strip() if isinstance(value, str) else None
            return value or None

        raw_status = params.get("status") or ()
        statuses = tuple(s for s in ([raw_status] if isinstance(raw_status, str) else raw_status) if s)
        for s in statuses:
            if s not in STATUSES:
                raise BadRequest(f"参数 status 无效：“{s}”；可选：{'、'.join(STATUSES)}")
        due = one("due")
        if due not in (None, "overdue", "soon"):
            raise BadRequest("参数 due 只能是 overdue（超期）或 soon（临期）")
        kind = one("type")
        if kind is not None and kind not in HANDLING_TYPES:
            raise BadRequest(f"参数 type 无效：“{kind}”；可选：{'、'.join(HANDLING_TYPES)}")
        area = one("area")
        if area is not None and not _AREA.match(area):
            raise BadRequest("参数 area 须为6～15位街道、社区或网格编码")
        q = one("q")
        if q is not None and len(q) > MAX_TEXT:
            raise BadRequest(f"参数 q 过长（最多{MAX_TEXT}字）")
        start, end = _date(one("start"), "start"), _date(one("end"), "end")
        if start and end and end < start:
            raise BadRequest("参数 end 早于 start")
        return cls(status=statuses, open_only=_flag(one("open"), "open") or False, due=due,  # type: ignore[arg-type]
                   hours=_hours(one("hours")), late=_flag(one("late"), "late") or False,
                   category=_short(one("category"), "category"), department=_short(one("department"), "department"),
                   handling_type=kind, channel=_short(one("channel"), "channel"), area=area, start=start, end=end,
                   satisfied=_flag(one("satisfied"), "satisfied"),
                   unplaced=_flag(one("unplaced"), "unplaced") or False, q=q)

    def query(self) -> dict[str, str | list[str]]:
        """The URL parameters of this filter (only those set), for links."""
        out: dict[str, str | list[str]] = {}
        if self.status:
            out["status"] = list(self.status)
        for name, on in (("open", self.open_only), ("late", self.late), ("unplaced", self.unplaced)):
            if on:
                out[name] = "1"
        if self.due:
            out["due"] = self.due
        if self.hours != DEFAULT_SOON_HOURS:
            out["hours"] = str(self.hours)
        for name, value in (("category", self.category), ("department", self.department),
                            ("type", self.handling_type), ("channel", self.channel), ("area", self.area),
                            ("q", self.q)):
            if value:
                out[name] = value
        for name, day in (("start", self.start), ("end", self.end)):
            if day:
                out[name] = day.isoformat()
        if self.satisfied is not None:
            out["satisfied"] = "true" if self.satisfied else "false"
        return out

    def where(self, now: dt.datetime, *, personal: bool) -> tuple[sql.Composable, dict[str, object]]:
        """(SQL condition over `i` and `g`, its parameters). `personal`: may `q` search descriptions."""
        parts: list[str] = []
        p: dict[str, object] = {"f_now": now}
        if self.status:
            parts.append("i.status = ANY(%(f_status)s::text[])")
            p["f_status"] = list(self.status)
        if self.open_only or self.due:
            parts.append("i.status <> '办结'")
        if self.due == "overdue":
            parts.append("i.deadline < %(f_now)s")
        elif self.due == "soon":
            parts.append("i.deadline >= %(f_now)s AND i.deadline < %(f_now)s + make_interval(hours => %(f_hours)s)")
            p["f_hours"] = self.hours
        if self.late:
            parts.append("((i.closed_at IS NULL AND i.deadline < %(f_now)s) OR i.closed_at > i.deadline)")
        for column, value in (("i.category_code", self.category), ("i.handling_type", self.handling_type),
                              ("i.channel", self.channel)):
            if value is not None:
                key = "f_" + column.split(".")[1]
                parts.append(f"{column} = %({key})s")
                p[key] = value
        if self.department is not None:
            parts.append("(i.department = %(f_department)s OR %(f_department)s = ANY(i.co_departments))")
            p["f_department"] = self.department
        if self.area is not None:
            parts.append("g.code LIKE %(f_area)s")
            p["f_area"] = self.area + "%"
        if self.start is not None:
            parts.append("i.reported_at >= %(f_start)s")
            p["f_start"] = dt.datetime.combine(self.start, dt.time(), SHANGHAI)
        if self.end is not None:
            parts.append("i.reported_at < %(f_end)s")
            p["f_end"] = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), SHANGHAI)
        if self.satisfied is not None:
            parts.append("i.satisfied = %(f_satisfied)s")
            p["f_satisfied"] = self.satisfied
        if self.unplaced:
            parts.append("i.grid_id IS NULL")
        if self.q is not None:
            parts.append(_TEXT_PERSONAL if personal else _TEXT)
            p["f_q"] = "%" + self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            p["f_id"] = int(self.q) if self.q.isdigit() and len(self.q) < 18 else None
        return sql.SQL(" AND ".join(parts) or "true"), p

    def label(self) -> str:
        """The filter in words (Chinese), for page headings; '全部' when it has no condition."""
        words = []
        if self.status:
            words.append("状态" + "、".join(self.status))
        if self.open_only:
            words.append("未办结")
        if self.due == "overdue":
            words.append("超期")
        elif self.due == "soon":
            words.append(f"{self.hours}小时内到期")
        if self.late:
            words.append("超期（含超期办结）")
        words += [f"{name}{value}" for name, value in (
            ("类别", self.category), ("部门", self.department), ("", self.handling_type), ("渠道", self.channel),
            ("区域", self.area)) if value]
        if self.start or self.end:
            words.append(f"报告日期{self.start or '…'}至{self.end or '…'}")
        if self.satisfied is not None:
            words.append("满意" if self.satisfied else "不满意")
        if self.unplaced:
            words.append("未落入网格")
        if self.q:
            words.append(f"含“{self.q}”")
        return "，".join(words) or "全部"


_SEARCHED = ("i.id = %(f_id)s OR i.category_code ILIKE %(f_q)s OR g.name ILIKE %(f_q)s OR g.code LIKE %(f_q)s "
             "OR i.department ILIKE %(f_q)s OR EXISTS (SELECT 1 FROM categories AS fc "
             "WHERE fc.code = i.category_code AND fc.name ILIKE %(f_q)s)")
_TEXT = f"({_SEARCHED})"
_TEXT_PERSONAL = f"({_SEARCHED} OR i.description ILIKE %(f_q)s OR i.request_id ILIKE %(f_q)s)"


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"参数 {name} 须为日期 YYYY-MM-DD：“{value[:20]}”") from None
    if not 2000 <= day.year <= 2100:
        raise BadRequest(f"参数 {name} 须在2000～2100年之间")
    return day


def _flag(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise BadRequest(f"参数 {name} 只能是 true 或 false")


def _hours(value: str | None) -> int:
    if value is None:
        return DEFAULT_SOON_HOURS
    if not value.isdigit() or not 1 <= int(value) <= MAX_SOON_HOURS:
        raise BadRequest(f"参数 hours 须为1～{MAX_SOON_HOURS}的整数")
    return int(value)


def _short(value: str | None, name: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise BadRequest(f"参数 {name} 过长（最多{MAX_TEXT}字）")
    return value
