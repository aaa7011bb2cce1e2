"""/maps/siting: the siting page: the form that starts a scenario, the scenarios, the recent jobs."""

from __future__ import annotations

import psycopg

from geo.clock import CHINA_TZ
from geo.layers.schema import STATION_KINDS
from geo.planning import scenarios, siting_jobs
from geo.walking.access import ANY_KIND
from web.render import render

PAGE_SIZE = 50
STATES = {"queued": "排队中", "running": "求解中", "done": "已完成", "failed": "失败"}


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _status(scenario: dict[str, object]) -> str:
    if scenario["method"] == "manual":
        return "手动推演"
    if scenario["gap"] is None:
        return str(scenario["status"])
    return "已证明最优" if scenario["gap"] == 0 else f"差距{100 * float(scenario['gap']):.2f}%"


def page(conn: psycopg.Connection, *, title: str, csrf: str, can_plan: bool, offset: int = 0) -> str:
    """The page as HTML; the form only for those who may plan (`can_plan`), with the session's `csrf` token."""
    every = scenarios.listing(conn)
    shown = [{"id": s["id"], "name": s["name"], "created": s["created_at"].astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
              "kind": s["inputs"].get("kind"), "sites": s["sites"],
              "before": _share(s["covered_before"], s["residents"]), "after": _share(s["covered_after"], s["residents"]),
              "status": _status(s)}
             for s in every[offset:offset + PAGE_SIZE]]
    jobs = [{**j, "state_label": STATES[j["state"]],
             "created": j["created_at"].astimezone(CHINA_TZ).strftime("%m-%d %H:%M")}
            for j in siting_jobs.recent(conn)] if can_plan else []
    return render("siting.html", title=title, csrf=csrf, can_plan=can_plan, kinds=(ANY_KIND, *STATION_KINDS),
                  candidates=siting_jobs.candidate_choices(conn) if can_plan else [], scenarios=shown,
                  total=len(every), offset=offset,
                  prev=max(offset - PAGE_SIZE, 0) if offset > 0 else None,
                  next=offset + PAGE_SIZE if offset + PAGE_SIZE < len(every) else None, jobs=jobs)
