"""The handling pipeline: allowed transitions with an audit trail, due queues, figures."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from geo.db import sql as sql_file
from geo.errors import BadRequest, IllegalTransition, NotFound

Level = Literal["street", "community", "grid"]
DUE_SOON_HOURS = 24


FEEDBACK_WAYS = ("即时反馈", "公示反馈", "走访反馈", "电话反馈", "网络反馈")
MAX_ESCALATION_DAYS = 90


def act(conn: psycopg.Connection, incident_id: int, action: str, *, actor: str, note: str = "",
        satisfied: bool | None = None, feedback_way: str | None = None, deadline: dt.datetime | None = None,
        at: dt.datetime | None = None) -> str:
    """Apply `action` as `actor`; return the new state, or raise IllegalTransition naming what is allowed.

    反馈 needs `feedback_way` (one of FEEDBACK_WAYS); 上报 hands the incident to its grid's street
    with `deadline` (aware, later than `at`, within MAX_ESCALATION_DAYS). `at` is the database's clock
    when None (a replayed history passes its own times). The caller commits.
    """
    _check_detail(action, feedback_way, deadline, at)
    detail = {k: v for k, v in (("feedback_way", feedback_way if action == "反馈" else None),
                                ("satisfied", satisfied if action == "办结" else None),
                                ("deadline", deadline.isoformat() if action == "上报" and deadline else None))
              if v is not None}
    with conn.transaction():
        row = conn.execute(sql_file("incident_transition"), {
            "id": incident_id, "action": action, "actor": actor, "note": note, "satisfied": satisfied,
            "feedback_way": feedback_way, "deadline": deadline, "at": at, "detail": Jsonb(detail)}).fetchone()
        if row is not None:
            return row[0]
        state = conn.execute("SELECT status, handling_type FROM incidents WHERE id = %s", (incident_id,)).fetchone()
        if state is None:
            raise NotFound(f"没有编号为{incident_id}的事件")
        raise IllegalTransition(f"事件{incident_id}当前为“{state[0]}”（{state[1]}），不能执行“{action}”；"
                                f"可执行：{'、'.join(allowed_actions(conn, state[0], state[1])) or '无'}")


def allowed_actions(conn: psycopg.Connection, status: str, handling_type: str | None) -> list[str]:
    """The actions the transition table allows from `status` for an incident of `handling_type`."""
    return [a for a, types in conn.execute(
        "SELECT action, handling_types FROM incident_transitions WHERE from_status = %s ORDER BY action",
        (status,)) if types is None or handling_type in types]


def _check_detail(action: str, feedback_way: str | None, deadline: dt.datetime | None,
                  at: dt.datetime | None) -> None:
    if action == "反馈" and feedback_way not in FEEDBACK_WAYS:
        raise BadRequest(f"反馈须注明反馈方式：{'、'.join(FEEDBACK_WAYS)}")
    if action == "上报":
        start = at or dt.datetime.now(dt.UTC)
        if deadline is None or deadline.tzinfo is None:
            raise BadRequest("上报须给出带时区的办理时限（deadline）")
        if not start < deadline <= start + dt.timedelta(days=MAX_ESCALATION_DAYS):
            raise BadRequest(f"上报时限须晚于现在，且不超过{MAX_ESCALATION_DAYS}天")


def events(conn: psycopg.Connection, incident_id: int) -> list[dict[str, object]]:
    """The audit trail of one incident, oldest first."""
    return conn.cursor(row_factory=dict_row).execute(
        "SELECT at, actor, action, from_status, to_status, note, detail FROM incident_events "
        "WHERE incident_id = %s ORDER BY at, id", (incident_id,)).fetchall()


def grid_code(conn: psycopg.Connection, incident_id: int) -> str | None:
    """The code of the grid incident `incident_id` is assigned to (None if none); NotFound if no such incident."""
    row = conn.execute("SELECT g.code FROM incidents AS i LEFT JOIN grids AS g ON g.id = i.grid_id WHERE i.id = %s",
                       (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    return row[0]


def set_publishable(conn: psycopg.Connection, incident_id: int, publishable: bool, *, actor: str) -> None:
    """Moderation: let the public see the (masked) description, or withdraw it. The caller commits."""
    row = conn.execute("UPDATE incidents SET publishable = %s, published_by = %s WHERE id = %s RETURNING id",
                       (publishable, actor if publishable else None, incident_id)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    conn.execute("INSERT INTO incident_events (incident_id, actor, action, to_status, note) "
                 "SELECT id, %s, %s, status, '' FROM incidents WHERE id = %s",
                 (actor, "公开描述" if publishable else "撤回公开", incident_id))


def figures(conn: psycopg.Connection, level: Level, start: dt.datetime, end: dt.datetime, *,
            now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Per-unit counts, 响应率, 解决率, 满意率, 超期率 (percent), median hours to close: geo.incidents.figures."""
    from geo.incidents import figures as incident_figures  # the definitions live there

    return incident_figures.figures(conn, level, start, end, now=now)
