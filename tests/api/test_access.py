"""Every operation's access decision, asked with no key, a wrong key and each role (api/access.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.access import ACCESS, ALLOWED, PUBLIC_PREFIXES, app_operations
from geo.accounts.roles import ROLES
from tests.api.clients import app_client, bearer

# A value for each path parameter; any value does: the decision comes before the route looks.
SAMPLES = {"name": "grids", "layer": "hexagons", "scenario_id": "1", "incident_id": "1", "service_code": "CAT01",
           "service_request_id": "1", "username": "nobody", "token_id": "999999", "rest:path": "nothing.json",
           "z": "3", "x": "9", "y": "0", "job_id": "999999", "photo_id": "1"}
# Each allowed call is made cheap: a body or parameter that is refused (422/400) right after the decision.
BROKEN_JSON = b"{"


@pytest.fixture(scope="module")
def client(make_demo_database) -> Iterator[TestClient]:
    with app_client(make_demo_database("access"), None) as test_client:
        yield test_client


def _call(client: TestClient, method: str, template: str, headers: dict[str, str]):
    path = re.sub(r"\{([^}]+)\}", lambda m: SAMPLES[m[1]], template)
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False)
    params = {"at": "99:99"} if template.endswith("/recompute") else {}
    content_type = "text/csv" if template.endswith("/import") else "application/json"
    return client.post(path, params=params, content=BROKEN_JSON, headers={**headers, "Content-Type": content_type},
                       follow_redirects=False)


def _refused(response) -> str | None:
    """'anonymous' (401), 'role' (403 by the access table) or None (the request got past the decision)."""
    if response.status_code == 401:
        return "anonymous"
    if response.status_code == 403 and "无权执行此操作" in response.text:
        return "role"
    return None


def test_every_operation_of_the_openapi_has_a_decision(client: TestClient) -> None:
    documented = {(method.upper(), path) for path, item in client.get("/openapi.json").json()["paths"].items()
                  for method in item}
    assert documented <= ACCESS.keys()
    assert app_operations(client.app) == ACCESS.keys()


@pytest.mark.parametrize(("method", "template"), sorted(ACCESS))
def test_decision_holds_for_no_key_a_wrong_key_and_each_role(client: TestClient, method: str, template: str) -> None:
    decision = ACCESS[(method, template)]
    anonymous = _call(client, method, template, {})
    assert _refused(anonymous) == (None if decision == "public" else "anonymous"), anonymous.text
    wrong = _call(client, method, template, {"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    for role in ROLES:
        response = _call(client, method, template, bearer(role))
        expected = None if role in ALLOWED[decision] else "role"
        assert _refused(response) == expected, (role, response.status_code, response.text[:200])
        assert response.status_code < 500, (role, response.text[:200])


def test_static_files_are_public(client: TestClient) -> None:
    assert all(prefix.startswith("/static") for prefix in PUBLIC_PREFIXES)
    assert client.get("/static/nothing.js").status_code == 404  # public: no 401


def test_a_session_cookie_needs_the_csrf_token_to_change_anything(client: TestClient) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    client.cookies.set("wangge_login_csrf", page.cookies["wangge_login_csrf"])
    bad = client.post("/login", data={"username": "test-planner", "password": "wrong", "csrf_token": csrf})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    signed_in = client.post("/login", data={"username": "test-planner", "password": "test-planner-password",
                                            "csrf_token": csrf, "next": "/maps/coverage"}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/maps/coverage"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    session = {"Cookie": f"wangge_session={signed_in.cookies['wangge_session']}"}
    assert client.get("/layers", headers=session).status_code == 200
    forged = client.post("/circles/recompute", json={"minutes": [-1]}, headers=session)
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert client.post("/login", data={"username": "x", "password": "y", "csrf_token": "guess"}).status_code == 403
    client.cookies.clear()


def test_pages_send_browsers_to_the_login_page(client: TestClient) -> None:
    response = client.get("/maps/coverage?kind=全部", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Fmaps%2Fcoverage")
