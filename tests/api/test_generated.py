"""Generated requests over the whole OpenAPI, as every role: no input may make the server answer 500.

Schemathesis draws cases from each operation's schema, valid and invalid (NUL bytes, huge and
non-finite numbers, times and dates at the edges, deep JSON...), seeded so a run is repeatable.
Each case goes out as one identity, in turn: anonymous or a role's token. The database holds the
small test hierarchy (no walking network), so recomputes answer fast with a 409 saying what is
missing; their parameter checks, which come first, are what the cases reach.
"""

from __future__ import annotations

import itertools

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from geo.accounts.roles import ROLES
from geo.layers.loader import LoadOptions, load_directory
from geo.settings import DatabaseSettings
from tests import factories
from tests.api.clients import bearer, ensure_accounts

EXAMPLES_PER_OPERATION = 70
MIN_CASES = 2000
IDENTITIES = [{}, *(bearer(role) for role in ROLES)]
_turn = itertools.count()
SENT: list[tuple[str, int]] = []  # (operation, status) of every case


@pytest.fixture(scope="module")
def app(make_database, tmp_path_factory: pytest.TempPathFactory):
    url = make_database("generated")
    with psycopg.connect(url) as conn:
        load_directory(conn, factories.write_hierarchy(tmp_path_factory.mktemp("generated")), LoadOptions())
    ensure_accounts(url)
    # Schemathesis runs the app's lifespan (its pool) itself, from the first case to each test's teardown.
    return create_app(DatabaseSettings(url=url))


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# The operations, read from an app that is never started (the schema needs no database).
OPERATIONS = sorted((method.upper(), path) for path, item in
                    create_app(DatabaseSettings(url="postgresql://unused@127.0.0.1:1/none")).openapi()["paths"].items()
                    for method in item)


# The pool's worker threads draw from `random` (jitter of connection lifetimes and retries) while
# Hypothesis draws a case; Hypothesis then warns that "the strategy" used `random`. Not ours to fix.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_input_makes_a_500(api_schema, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        headers = {**(case.headers or {}), **IDENTITIES[next(_turn) % len(IDENTITIES)]}
        response = case.call(headers=headers)
        SENT.append((f"{method} {path}", response.status_code))
        assert response.status_code < 500, f"{method} {case.formatted_path}: {response.status_code} {response.text[:300]}"

    run()


def test_enough_cases_were_sent() -> None:
    """Runs after the generated tests (file order): at least MIN_CASES cases, none answered ≥ 500."""
    operations = {name for name, _ in SENT}
    print(f"schemathesis: {len(SENT)} cases over {len(operations)} operations, "
          f"{sum(status >= 500 for _, status in SENT)} answered ≥ 500")
    assert len(SENT) >= MIN_CASES and not [s for _, s in SENT if s >= 500]
