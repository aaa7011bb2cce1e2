"""The desk's pages (/desk, /desk/incidents/{id}) and the grid worker's phone pages (/m, /m/incidents/{id}).

Rendered from the data the routes gather (geo.incidents.desk); times in Asia/Shanghai; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from geo.incidents import handling
from geo.incidents.desk import NEARBY_DAYS, NEARBY_RADIUS_M, SORT_LABELS, QueuePage
from geo.incidents.filters import HANDLING_TYPES, SHANGHAI, STATUSES, IncidentFilter
from geo.tiles import mvt
from web import palette
from web.render import render

PAGE_SIZES = (20, 50, 100, 200)
METHODS = {"inside": "落入网格", "nearest": "就近兜底", "out_of_area": "辖区外（待人工分派）",
           "no_location": "无坐标（待人工分派）", "manual": "人工分派"}
# The fields each action asks for on the page (the API refuses a step without them).
ACTION_FIELDS = {"反馈": ("feedback_way", "note"), "办结": ("satisfied", "note"), "上报": ("deadline", "note")}
COLOURS = {"incident": palette.MARK, "nearby": palette.INCIDENT, "duplicate": palette.PROPOSED,
           "grid": palette.RINGS[5.0], "late": palette.OVERDUE}


def when(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as Beijing time text ('' for None)."""
    return moment.astimezone(SHANGHAI).strftime(fmt) if moment else ""


def time_left(deadline: dt.datetime | None, now: dt.datetime, closed: dt.datetime | None = None) -> tuple[str, bool]:
    """('剩余5小时' / '超期2天3小时' / '按时办结' …, late?) for a deadline seen at `now`."""
    if deadline is None:
        return "", False
    if closed is not None:
        late = closed > deadline
        return ("超期办结" if late else "按时办结"), late
    delta = deadline - now
    late = delta.total_seconds() < 0
    hours = abs(delta.total_seconds()) / 3600
    text = f"{int(hours // 24)}天{int(hours % 24)}小时" if hours >= 24 else f"{hours:.1f}小时"
    return ("超期" if late else "剩余") + text, late


def queue_page(*, title: str, csrf: str, area: str, area_name: str, filt: IncidentFilter, found: QueuePage,
               sort: str, limit: int, offset: int, now: dt.datetime, choices: Mapping[str, Sequence]) -> str:
    """The desk: filters, counts, one page of the queue with paging links and the bulk-action bar."""
    rows = []
    for r in found.rows:
        left, late = time_left(r["deadline"], now, r["closed_at"])  # type: ignore[arg-type]
        rows.append({**r, "reported": when(r["reported_at"]), "due": when(r["deadline"]),  # type: ignore[arg-type]
                     "left": left, "late": late})
    base = {**filt.query(), "sort": sort, "limit": str(limit)}
    link = lambda at: "/desk?" + urlencode({**base, "offset": str(at)}, doseq=True)  # noqa: E731
    last = max((found.total - 1) // limit * limit, 0)
    pages = {"first": link(0) if offset > 0 else None, "prev": link(max(offset - limit, 0)) if offset > 0 else None,
             "next": link(offset + limit) if offset + limit < found.total else None,
             "last": link(last) if offset + limit < found.total else None}
    tabs = [(label, "/desk?" + urlencode(query, doseq=True)) for label, query in QUICK_VIEWS]
    return render("desk.html", title=title, csrf=csrf, area=area, area_name=area_name, filt=filt, rows=rows,
                  total=found.total, by_status=found.by_status, statuses=STATUSES, types=HANDLING_TYPES,
                  sorts=SORT_LABELS, sort=sort, limit=limit, sizes=PAGE_SIZES, offset=offset, pages=pages,
                  now=when(now), label=filt.label(), tabs=tabs, choices=choices,
                  feedback_ways=handling.FEEDBACK_WAYS, actions=BULK_ACTIONS, late_colour=palette.OVERDUE)


QUICK_VIEWS = (("全部未办结", {"open": "1"}), ("已超期", {"due": "overdue"}), ("24小时内到期", {"due": "soon"}),
               ("待反馈（办理中）", {"status": "办理"}), ("未落入网格", {"unplaced": "1", "open": "1"}),
               ("不满意", {"satisfied": "false"}))
BULK_ACTIONS = ("办理", "反馈", "办结", "退回", "重新受理", "重新打开", "上报")


def incident_page(*, title: str, csrf: str, incident: Mapping[str, object], now: dt.datetime, personal: bool,
                  can_dispatch: bool, compact: bool, grids: Sequence[tuple[str, str]],
                  district: Sequence[float]) -> str:
    """One incident: details, map, the actions its state allows, duplicates, nearby incidents, the trail."""
    inc = dict(incident)
    left, late = time_left(inc["deadline"], now, inc["closed_at"])  # type: ignore[arg-type]
    events = [{**e, "when": when(e["at"], "%Y-%m-%d %H:%M:%S"), "detail_text": _detail(e["detail"])}
              for e in inc["events"]]  # type: ignore[union-attr]
    nearby = [{**n, "reported": when(n["reported_at"])} for n in inc["nearby"]]  # type: ignore[union-attr]
    map_data = {"incident": [inc["lat"], inc["lon"]] if inc["lat"] is not None else None,
                "grid": inc["grid_geometry"], "radius_m": NEARBY_RADIUS_M, "district": list(district),
                "nearby": [[n["lat"], n["lon"], n["id"], n["category_name"], n["status"], bool(n["duplicate"])]
                           for n in inc["nearby"] if n["lat"] is not None],  # type: ignore[union-attr]
                "layers": [{"name": layer.name, "minZoom": layer.min_zoom, "labelZoom": layer.label_zoom,
                            "labelMaxZoom": layer.label_max_zoom} for layer in mvt.LAYERS.values()], "colours": COLOURS}
    return render("incident.html", title=title, csrf=csrf, inc=inc, left=left, late=late, events=events,
                  nearby=nearby, personal=personal, can_dispatch=can_dispatch, compact=compact,
                  reported=when(inc["reported_at"]), received=when(inc["received_at"]),  # type: ignore[arg-type]
                  due=when(inc["deadline"]), closed=when(inc["closed_at"]),  # type: ignore[arg-type]
                  escalated=when(inc["escalated_at"]), method=METHODS.get(str(inc["assign_method"]), ""),  # type: ignore[arg-type]
                  feedback_ways=handling.FEEDBACK_WAYS, action_fields=ACTION_FIELDS, grids=grids,
                  map_json=json.dumps(map_data, ensure_ascii=False, default=str), now=when(now),
                  late_colour=palette.OVERDUE, radius=f"{NEARBY_RADIUS_M:g}", days=NEARBY_DAYS)


def phone_page(*, title: str, csrf: str, area: str, area_name: str, found: QueuePage, offset: int, limit: int,
               now: dt.datetime, categories: Sequence[tuple[str, str]]) -> str:
    """The grid worker's phone: report from the spot (location, category, photo) and the grid's open incidents."""
    rows = []
    for r in found.rows:
        left, late = time_left(r["deadline"], now)  # type: ignore[arg-type]
        rows.append({**r, "reported": when(r["reported_at"], "%m-%d %H:%M"), "left": left, "late": late})
    return render("phone.html", title=title, csrf=csrf, area=area, area_name=area_name, rows=rows,
                  total=found.total, offset=offset, limit=limit, categories=categories, late_colour=palette.OVERDUE,
                  prev=max(offset - limit, 0) if offset > 0 else None,
                  next=offset + limit if offset + limit < found.total else None)


def _detail(detail: Mapping[str, object] | None) -> str:
    """An event's structured detail in words."""
    if not detail:
        return ""
    words = {"feedback_way": "反馈方式", "satisfied": "满意", "deadline": "新时限", "grid": "网格",
             "before": "原值", "of": "重复于", "photo": "照片", "bytes": "字节"}
    parts = []
    for key, value in detail.items():
        if key == "satisfied":
            value = "是" if value else "否"
        elif key == "deadline" and isinstance(value, str):
            value = when(dt.datetime.fromisoformat(value))
        parts.append(f"{words.get(key, key)}：{value if value is not None else '无'}")
    return "；".join(parts)
