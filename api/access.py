"""Who may do what: one access decision for every operation of the app, in one table.

Decisions, from open to closed:
- public: anyone, signed in or not (Open311 GeoReport reads and submissions, the front page, login);
- viewer: any signed-in user (maps, layers and results without personal data);
- planner: planners and admins (recomputes, siting, imports of layers);
- casework: dispatchers, grid workers and admins, on incidents within their area;
- dispatcher: dispatchers and admins (intake, imports of incidents, moderation), within their area;
- admin: admins only (users, tokens, the audit log).

The app refuses to start when one of its routes has no decision here (`check_complete`), and
tests/api/test_access.py asks every operation of the OpenAPI with no key, a wrong key and each role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fastapi import FastAPI
from starlette.routing import compile_path

from geo.accounts.roles import ROLES, Role

Decision = Literal["public", "viewer", "planner", "casework", "dispatcher", "admin"]
ALLOWED: dict[Decision, frozenset[Role]] = {
    "public": frozenset(ROLES),
    "viewer": frozenset(ROLES),
    "planner": frozenset({"planner", "admin"}),
    "casework": frozenset({"dispatcher", "grid_worker", "admin"}),
    "dispatcher": frozenset({"dispatcher", "admin"}),
    "admin": frozenset({"admin"}),
}
# Roles that see reporters' names and phones (of incidents in their area).
PERSONAL_DATA_ROLES: frozenset[Role] = ALLOWED["dispatcher"]

ACCESS: dict[tuple[str, str], Decision] = {
    # Pages, documentation, health
    ("GET", "/"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "viewer",
    ("GET", "/health"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/redoc"): "public",
    # Layers and results
    ("GET", "/layers"): "viewer",
    ("GET", "/layers/{name}"): "viewer",
    ("GET", "/ogc"): "viewer",
    ("GET", "/ogc/conformance"): "viewer",
    ("GET", "/ogc/collections"): "viewer",
    ("GET", "/ogc/collections/{name}"): "viewer",
    ("GET", "/ogc/collections/{name}/items"): "viewer",
    ("GET", "/circles"): "viewer",
    ("POST", "/circles/recompute"): "planner",
    ("GET", "/access/buildings"): "viewer",
    ("POST", "/access/recompute"): "planner",
    ("GET", "/coverage"): "viewer",
    ("GET", "/walk/area"): "viewer",
    ("POST", "/gaps/recompute"): "planner",
    ("GET", "/gaps/{layer}"): "viewer",
    ("POST", "/siting/scenarios"): "planner",
    ("POST", "/walk/whatif"): "planner",
    ("GET", "/siting/scenarios"): "viewer",
    ("GET", "/siting/scenarios/{scenario_id}"): "viewer",
    ("GET", "/siting/scenarios/{scenario_id}/sites"): "viewer",
    ("GET", "/siting/compare"): "viewer",
    ("POST", "/siting/jobs"): "planner",
    ("POST", "/siting/scenarios/manual"): "planner",
    ("GET", "/siting/jobs/{job_id}"): "planner",
    ("GET", "/figures"): "viewer",
    ("GET", "/dashboard"): "viewer",
    ("GET", "/reports/monthly"): "viewer",
    # Maps
    ("GET", "/maps/coverage"): "viewer",
    ("GET", "/maps/incidents"): "viewer",
    ("GET", "/maps/gaps"): "viewer",
    ("GET", "/maps/siting"): "viewer",
    ("GET", "/maps/siting/{scenario_id}"): "viewer",
    ("GET", "/maps/data/grids"): "viewer",
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.mvt"): "viewer",
    # Incidents
    ("POST", "/incidents"): "casework",
    ("POST", "/incidents/import"): "dispatcher",
    ("GET", "/incidents"): "casework",
    ("GET", "/incidents/{incident_id}"): "casework",
    ("GET", "/incidents/{incident_id}/events"): "casework",
    ("POST", "/incidents/{incident_id}/actions"): "casework",
    ("POST", "/incidents/{incident_id}/publication"): "dispatcher",
    ("POST", "/incidents/actions"): "casework",
    ("POST", "/incidents/{incident_id}/placement"): "dispatcher",
    ("POST", "/incidents/{incident_id}/duplicate"): "dispatcher",
    ("POST", "/incidents/{incident_id}/photos"): "casework",
    ("GET", "/incidents/{incident_id}/photos/{photo_id}"): "casework",
    # The dispatcher's desk and the grid worker's phone
    ("GET", "/desk"): "dispatcher",
    ("GET", "/desk/incidents/{incident_id}"): "dispatcher",
    ("GET", "/m"): "casework",
    ("GET", "/m/incidents/{incident_id}"): "casework",
    # Open311 GeoReport v2
    ("GET", "/open311/v2/services.json"): "public",
    ("GET", "/open311/v2/services/{service_code}.json"): "public",
    ("GET", "/open311/v2/requests.json"): "public",
    ("POST", "/open311/v2/requests.json"): "public",
    ("GET", "/open311/v2/requests/{service_request_id}.json"): "public",
    ("GET", "/open311/v2/{rest:path}"): "public",
    ("POST", "/open311/v2/{rest:path}"): "public",
    # Accounts
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("POST", "/users/{username}/disable"): "admin",
    ("POST", "/users/{username}/tokens"): "admin",
    ("GET", "/tokens"): "admin",
    ("POST", "/tokens/{token_id}/revoke"): "admin",
    ("GET", "/audit"): "admin",
}
# Operations with a per-client rate limit (api/ratelimit.py).
RATE_LIMITED = {("POST", "/open311/v2/requests.json"), ("POST", "/login")}
# Mounted static files (Leaflet and its plugins): public.
PUBLIC_PREFIXES = ("/static/",)

# Templates without parameters first, so /incidents/import never reads as /incidents/{incident_id}.
_COMPILED = sorted(((method, template, compile_path(template)[0]) for method, template in ACCESS),
                   key=lambda entry: "{" in entry[1])


def decide(method: str, path: str) -> tuple[str, Decision] | None:
    """(template, decision) of the operation `method path`; None for a path the app does not serve."""
    if path.startswith(PUBLIC_PREFIXES):
        return path, "public"
    wanted = "GET" if method == "HEAD" else method
    for entry_method, template, pattern in _COMPILED:
        if entry_method == wanted and pattern.match(path):
            return template, ACCESS[(entry_method, template)]
    return None


def app_operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves, HEAD counted as GET."""
    return {(method, route.path) for route in _routes(app) for method in route.methods if method != "HEAD"}


def _routes(app: FastAPI) -> Iterator:
    """The app's routes with methods, those of included routers included."""
    for route in app.router.routes:
        for inner in getattr(getattr(route, "original_router", None), "routes", [route]):
            if getattr(inner, "methods", None):
                yield inner


def check_complete(app: FastAPI) -> None:
    """Refuse to build an app with an operation that has no access decision (or a decision for none)."""
    served = app_operations(app)
    missing = sorted(served - ACCESS.keys())
    if missing:
        raise RuntimeError(f"operations without an access decision in api/access.py: {missing}")
    stale = sorted(ACCESS.keys() - served)
    if stale:
        raise RuntimeError(f"access decisions for operations the app does not serve: {stale}")



def document(app: FastAPI) -> None:
    """State in the OpenAPI the answers the access control and the server may give to every operation."""
    for route in _routes(app):
        if not hasattr(route, "responses"):
            continue
        method = next(m for m in route.methods if m != "HEAD")
        closed = ACCESS.get((method, route.path), "public") != "public"
        limited = (method, route.path) in RATE_LIMITED
        extra = {**(_CLOSED if closed else {}), **(_LIMITED if limited else {}), **_ALWAYS}
        route.responses = {**extra, **route.responses}


_CLOSED = {401: {"description": "未登录，或令牌无效、已过期、已吊销"},
           403: {"description": "角色或辖区无权执行此操作；或缺少 CSRF 令牌"}}
_LIMITED = {429: {"description": "请求过于频繁；见 Retry-After 头"}}
_ALWAYS = {413: {"description": "请求体超过上限"},
           503: {"description": "数据库暂不可用或服务器繁忙；稍后按 Retry-After 头重试"}}
