"""Import a handling history (办理记录): one CSV row per step after 受理, replayed against the transition table.

Every row is checked (the incident exists, the step is allowed from the state the earlier steps
left it in for its handling type, times do not go backwards nor precede 受理 nor lie in the
future, 反馈 names one of the feedback ways, 上报 gives the street's deadline, …); problems name
the file, row and field. All or nothing, or with `good_rows_only` every incident without a bad
row. The end state of each incident is what `geo.incidents.handling.act` would leave after the
same steps one by one; it is computed here and stored in bulk (COPY), so a year of a district's
history loads in seconds. Incidents that already have a handling step are left as they are, so
importing the same file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import psycopg
from psycopg.rows import dict_row

from geo.db import sql as sql_file
from geo.errors import ImportRejected, Problem
from geo.incidents.handling import MAX_ESCALATION_DAYS
from geo.layers import _readers as readers
from geo.progress import Progress

REQUIRED = ("request_id", "at", "actor", "action")
OPTIONAL = ("note", "feedback_way", "satisfied", "deadline", "co_departments")
SATISFIED_WORDS = {"": None, "true": True, "false": False, "是": True, "否": False}
LIST_SEPARATORS = re.compile(r"[、,;，；]")  # between co-handling departments
CHINA = dt.timezone(dt.timedelta(hours=8))  # times in messages are shown in Asia/Shanghai
PROGRESS_ROWS = 5000  # rows checked between two progress reports
STATE_COLUMNS = ("id", "status", "responded_at", "closed_at", "satisfied", "feedback_way", "escalated_to",
                 "escalated_at", "deadline", "co_departments")
EVENT_COLUMNS = ("incident_id", "seq", "at", "actor", "action", "from_status", "to_status", "note", "detail")


@dataclass
class HistoryImport:
    """What an import did: rows read, incidents given their history and the events stored, incidents that
    already had one (left alone), and the problems and request ids of the incidents skipped."""

    rows_read: int
    incidents: int
    events: int
    already_present: int
    skipped: list[Problem] = field(default_factory=list)
    skipped_incidents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One row of a handling history: `action` by `actor` at `at` (aware), with the detail the action takes."""

    row: int
    request_id: str
    at: dt.datetime
    actor: str
    action: str
    note: str = ""
    feedback_way: str | None = None
    satisfied: bool | None = None
    deadline: dt.datetime | None = None
    co_departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """What the database allows: transitions (from, action) → (to, handling types or None = any), feedback
    ways, and the departments of the responsibility list (for co-handling)."""

    transitions: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]]
    feedback_ways: frozenset[str]
    departments: frozenset[str]

    @classmethod
    def load(cls, conn: psycopg.Connection) -> Rules:
        """Read the rules from the database (tables incident_transitions, feedback_ways, categories)."""
        transitions = {(f, a): (t, tuple(types) if types is not None else None) for f, a, t, types in conn.execute(
            "SELECT from_status, action, to_status, handling_types FROM incident_transitions")}
        ways = frozenset(r[0] for r in conn.execute("SELECT name FROM feedback_ways"))
        departments = frozenset(r[0] for r in conn.execute("SELECT DISTINCT department FROM categories"))
        return cls(transitions, ways, departments)

    @cached_property
    def actions(self) -> list[str]:
        """Every action of the transition table, sorted."""
        return sorted({a for _, a in self.transitions})

    def allowed(self, status: str, handling_type: str | None) -> list[str]:
        """The actions allowed from `status` for an incident of `handling_type`."""
        return sorted(a for (f, a), (_, types) in self.transitions.items()
                      if f == status and (types is None or handling_type in types))


def import_history(conn: psycopg.Connection, source: Path | BinaryIO, *, name: str | None = None,
                   good_rows_only: bool = False, progress: Progress | None = None) -> HistoryImport:
    """Check every row, replay each incident's steps, then store all (or, when asked, the good incidents')
    events and end states in one transaction. The caller's transaction, if any, is left to the caller."""
    raw = readers.read_csv(source, name)
    columns = set(raw.frame.columns)
    missing, unknown = [c for c in REQUIRED if c not in columns], sorted(columns - {*REQUIRED, *OPTIONAL})
    if missing or unknown:
        raise ImportRejected([Problem(raw.source, f"缺少必需字段：{'、'.join(missing)}" if missing else
                                      f"未知字段：{'、'.join(unknown)}（可用：{'、'.join((*REQUIRED, *OPTIONAL))}）")])
    rules = Rules.load(conn)
    now = dt.datetime.now(dt.UTC)
    problems: list[Problem] = []
    by_incident: dict[str, list[Step]] = defaultdict(list)
    bad: set[str] = set()
    records = raw.frame.reindex(columns=[*REQUIRED, *OPTIONAL], fill_value="").to_dict("records")
    for i, record in enumerate(records):
        step, found = parse_row(record, int(raw.rows[i]), raw.source, rules, now)
        problems += found
        request_id = str(record["request_id"]).strip()
        if found and request_id:
            bad.add(request_id)
        if step is not None:
            by_incident[step.request_id].append(step)
        if progress and (i + 1) % PROGRESS_ROWS == 0:
            progress("检查", i + 1, len(records))
    with conn.transaction():
        states = {r["request_id"]: r for r in conn.cursor(row_factory=dict_row).execute(
            sql_file("history_incidents"), {"request_ids": sorted(by_incident.keys() | bad)})}
        events, ends, already = [], [], 0
        for request_id, steps in by_incident.items():
            state = states.get(request_id)
            if state is None:
                problems.append(Problem(raw.source, f"没有请求号为“{request_id}”的事件", steps[0].row, "request_id"))
                bad.add(request_id)
            elif state["handled"]:
                already += 1
            elif request_id not in bad:
                replayed, end, problem = replay(state, steps, rules, raw.source)
                if problem is not None:
                    problems.append(problem)
                    bad.add(request_id)
                else:
                    events += replayed
                    ends.append(end)
        problems.sort(key=lambda p: (p.row or 0, p.field or ""))
        if problems and not good_rows_only:
            raise ImportRejected(problems)
        if progress:
            progress("写入", len(records), len(records))
        _store(conn, events, ends)
    return HistoryImport(len(records), len(ends), len(events), already, problems, sorted(bad))


def parse_row(record: dict[str, object], row: int, source: str, rules: Rules,
              now: dt.datetime) -> tuple[Step | None, list[Problem]]:
    """One row as a Step, or None with every Problem it has (each naming `source`, `row` and the field)."""
    text = {k: str(v).strip() for k, v in record.items()}
    found: list[Problem] = []

    def problem(reason: str, column: str) -> None:
        found.append(Problem(source, reason, row, column))

    if not text["request_id"]:
        problem("请求号为空", "request_id")
    at = _time(text["at"], "at", problem)
    if at is not None and at > now:
        problem("时间晚于现在", "at")
    if not text["actor"]:
        problem("办理人为空", "actor")
    action = text["action"]
    if action not in rules.actions:
        problem(f"未知动作“{action}”（可用：{'、'.join(rules.actions)}）", "action")
    way = text["feedback_way"] or None
    if action == "反馈" and way not in rules.feedback_ways:
        problem(f"反馈须注明反馈方式：{'、'.join(sorted(rules.feedback_ways))}" if way is None
                else f"未知反馈方式“{way}”（可用：{'、'.join(sorted(rules.feedback_ways))}）", "feedback_way")
    elif action != "反馈" and way is not None:
        problem("只有“反馈”可注明反馈方式", "feedback_way")
    satisfied = SATISFIED_WORDS.get(text["satisfied"].lower(), "?")
    if satisfied == "?":
        problem(f"满意度“{text['satisfied']}”只能是 true、false（或 是、否），或留空", "satisfied")
    elif satisfied is not None and action != "办结":
        problem("只有“办结”可注明满意度", "satisfied")
    deadline = None
    if action == "上报":
        deadline = _time(text["deadline"], "deadline", problem) if text["deadline"] else None
        if not text["deadline"]:
            problem("上报须给出带时区的办理时限", "deadline")
    elif text["deadline"]:
        problem("只有“上报”可给出办理时限", "deadline")
    departments = tuple(dict.fromkeys(d.strip() for d in LIST_SEPARATORS.split(text["co_departments"]) if d.strip()))
    if departments and action != "办理":
        problem("只有“办理”可注明协办部门", "co_departments")
    for name in departments:
        if name not in rules.departments:
            problem(f"职责清单中没有部门“{name}”", "co_departments")
    if found:
        return None, found
    return Step(row, text["request_id"], at, text["actor"], action, text["note"], way, satisfied, deadline,
                departments), []


def _time(text: str, column: str, problem) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        problem(f"无法解析的时间“{text}”", column)
        return None
    if value.tzinfo is None:
        problem("时间须带时区，如 2026-01-01T08:00:00+08:00", column)
        return None
    return value


def replay(incident: dict[str, object], steps: list[Step], rules: Rules,
           source: str) -> tuple[list[tuple], tuple | None, Problem | None]:
    """Apply `steps` in order to `incident` (a row of history_incidents.sql) as the transition statement would.

    Returns (event rows in EVENT_COLUMNS, the end state in STATE_COLUMNS, None), or ([], None, the
    first problem): later steps of an incident cannot be judged once one is wrong.
    """
    s = dict(incident)
    co_departments: list[str] | None = None
    last, events = s["received_at"], []
    for seq, step in enumerate(steps):
        if step.at < last:
            before = "受理时间" if seq == 0 else "该事件上一步"
            return [], None, Problem(source, f"时间早于{before}（{last.astimezone(CHINA):%Y-%m-%d %H:%M:%S}）",
                                     step.row, "at")
        rule = rules.transitions.get((s["status"], step.action))
        if rule is None or (rule[1] is not None and s["handling_type"] not in rule[1]):
            allowed = "、".join(rules.allowed(s["status"], s["handling_type"])) or "无"
            return [], None, Problem(source, f"事件此时为“{s['status']}”（{s['handling_type']}），"
                                             f"不能执行“{step.action}”；可执行：{allowed}", step.row, "action")
        if step.deadline is not None and not step.at < step.deadline <= step.at + dt.timedelta(
                days=MAX_ESCALATION_DAYS):
            return [], None, Problem(source, f"上报时限须晚于上报时间，且不超过{MAX_ESCALATION_DAYS}天",
                                     step.row, "deadline")
        from_status, to_status = s["status"], rule[0]
        if from_status == "受理" and s["responded_at"] is None:
            s["responded_at"] = step.at
        s["closed_at"] = step.at if to_status == "办结" else None
        s["satisfied"] = step.satisfied if to_status == "办结" else None
        detail: dict[str, object] = {}
        if step.action == "反馈":
            s["feedback_way"] = detail["feedback_way"] = step.feedback_way
        if step.action == "办结" and step.satisfied is not None:
            detail["satisfied"] = step.satisfied
        if step.action == "上报":
            s["escalated_to"], s["escalated_at"], s["deadline"] = s["street_code"], step.at, step.deadline
            detail["deadline"] = step.deadline.isoformat()
        if step.co_departments:
            co_departments = detail["co_departments"] = list(step.co_departments)
        s["status"], last = to_status, step.at
        events.append((s["id"], seq, step.at, step.actor, step.action, from_status, to_status, step.note,
                       json.dumps(detail, ensure_ascii=False)))
    s["co_departments"] = co_departments
    return events, tuple(s[c] for c in STATE_COLUMNS), None


def _store(conn: psycopg.Connection, events: list[tuple], ends: list[tuple]) -> None:
    """COPY the replayed events and end states into staging tables and write both in two statements."""
    conn.execute(sql_file("history_staging"))
    with conn.cursor() as cur:
        with cur.copy(f"COPY history_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in events:
                copy.write_row(event)
        with cur.copy(f"COPY history_states ({', '.join(STATE_COLUMNS)}) FROM STDIN") as copy:
            for end in ends:
                copy.write_row(end)
        cur.execute(sql_file("history_store"))
