"""Siting scenarios as background jobs: start one, follow its progress, reach its result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.deps import CurrentUser, Pool
from api.routes.planning import ScenarioBody, scenario_inputs
from geo.planning import siting_jobs

router = APIRouter(prefix="/siting/jobs", tags=["覆盖缺口与选址"])
JobId = Annotated[int, Path(ge=1, le=2**62)]


def _answer(job: dict[str, object]) -> dict[str, object]:
    links = {"self": f"/siting/jobs/{job['id']}"}
    if job["scenario_id"] is not None:
        links.update(scenario=f"/siting/scenarios/{job['scenario_id']}", map=f"/maps/siting/{job['scenario_id']}")
    return jsonable_encoder({**job, "links": links})


@router.post("", summary="后台求解选址方案", status_code=202)
def start(body: ScenarioBody, request: Request, pool: Pool, user: CurrentUser) -> JSONResponse:
    """Queue the scenario and answer at once (202) with the job to follow; the solve runs in the background,
    one siting solve at a time. Inputs are checked first: a bad one is refused (400) before anything is queued."""
    inputs = scenario_inputs(body)
    with pool.connection() as conn:
        job_id = siting_jobs.submit(conn, inputs, user.label)
        conn.commit()
        job = siting_jobs.read(conn, job_id)
    request.app.state.background.submit(siting_jobs.run, request.app.state.database_url, job_id)
    return JSONResponse(_answer(job), status_code=202, headers={"Location": f"/siting/jobs/{job_id}"})


@router.get("/{job_id}", summary="选址任务进度")
def read(job_id: JobId, pool: Pool) -> dict[str, object]:
    """State (queued, running, done, failed), the step reached (`done` of `total`), the scenario when done."""
    with pool.connection() as conn:
        return _answer(siting_jobs.read(conn, job_id))
