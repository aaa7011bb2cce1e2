"""Siting from the page: a scenario solved as a background job, followed to its result."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.planning import scenarios
from geo.settings import DatabaseSettings
from tests.api.clients import app_client, bearer

PLANNER = bearer("planner")
BODY = {"name": "后台方案", "kind": "全部", "k": 3, "force_in": ["C0002"], "force_out": ["C0044"]}


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    return make_demo_database("siting_jobs")


@pytest.fixture(scope="module")
def client(database: str) -> Iterator[TestClient]:
    with app_client(database) as test_client:
        yield test_client


def _finished(client: TestClient, url: str, timeout_s: float = 180) -> dict:
    deadline, seen = time.monotonic() + timeout_s, set()
    while time.monotonic() < deadline:
        job = client.get(url, headers=PLANNER).json()
        seen.add(job["state"])
        if job["state"] in ("done", "failed"):
            return {**job, "seen": seen}
        # the server answers other requests while the job runs
        assert client.get("/health").status_code == 200
        time.sleep(0.2)
    raise AssertionError(f"job not finished: {job}")


def test_a_job_solves_the_scenario_the_synchronous_path_solves(client: TestClient, database: str) -> None:
    started = client.post("/siting/jobs", json=BODY, headers=PLANNER)
    assert started.status_code == 202, started.text
    assert started.headers["Location"] == started.json()["links"]["self"]
    assert started.json()["state"] in ("queued", "running", "done")
    job = _finished(client, started.headers["Location"])
    assert job["state"] == "done" and job["done"] == job["total"] == 3, job
    assert job["links"]["map"] == f"/maps/siting/{job['scenario_id']}"
    stored = client.get(job["links"]["scenario"]).json()
    codes = [s["code"] for s in stored["sites_chosen"]]
    assert codes[0] == "C0002" and "C0044" not in codes and stored["inputs"]["force_in"] == ["C0002"]
    with psycopg.connect(database) as conn:  # the same inputs, solved in the foreground
        again = scenarios.read(conn, scenarios.run(conn, scenarios.ScenarioInputs(
            "对照", kind="全部", k=3, force_in=("C0002",), force_out=("C0044",))))
        conn.rollback()
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = '新建选址方案' AND target = %s",
                               (f"方案{job['scenario_id']}",)).fetchone()[0]
    assert [s["code"] for s in again["sites_chosen"]] == codes and again["objective"] == stored["objective"]
    assert audited == 1
    assert client.get(job["links"]["map"]).status_code == 200


def test_bad_inputs_are_refused_before_anything_is_queued(client: TestClient, database: str) -> None:
    with psycopg.connect(database) as conn:
        before = conn.execute("SELECT count(*) FROM siting_jobs").fetchone()[0]
    for body, status in (({**BODY, "force_in": ["不存在"]}, 400), ({**BODY, "k": 1, "force_in": ["C0001", "C0002"]}, 400),
                         ({**BODY, "force_out": ["C0002"]}, 400), ({**BODY, "method": "magic"}, 422),
                         ({**BODY, "force_in": ["x" * 101]}, 422)):
        answer = client.post("/siting/jobs", json=body, headers=PLANNER)
        assert answer.status_code == status, (body, answer.text)
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM siting_jobs").fetchone()[0] == before
    assert client.post("/siting/jobs", json=BODY, headers=bearer("viewer")).status_code == 403
    assert client.get("/siting/jobs/999999", headers=PLANNER).status_code == 404


def test_a_job_a_stopped_server_left_running_is_marked_failed_at_start(database: str) -> None:
    with psycopg.connect(database) as conn:
        job = conn.execute("INSERT INTO siting_jobs (inputs, state, created_by) VALUES ('{}', 'running', 't') "
                           "RETURNING id").fetchone()[0]
        conn.commit()
    with TestClient(create_app(DatabaseSettings(url=database))) as fresh:
        answer = fresh.get(f"/siting/jobs/{job}", headers=PLANNER).json()
    assert answer["state"] == "failed" and "服务重启" in answer["error"]


def test_the_siting_page_has_the_form_for_planners_only(client: TestClient) -> None:
    planner = client.get("/maps/siting", headers=PLANNER)
    assert planner.status_code == 200 and 'id="siting-form"' in planner.text and "C0044" in planner.text
    viewer = client.get("/maps/siting", headers=bearer("viewer"))
    assert viewer.status_code == 200 and 'id="siting-form"' not in viewer.text and "已有方案" in viewer.text
