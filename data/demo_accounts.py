"""Demo accounts of every role, with known passwords and tokens (for `make demo` only, never production)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from data.demo_city.admin import DISTRICT_CODE
from geo.accounts import credentials, users
from geo.errors import Conflict

ACTOR = "演示数据"


@dataclass(frozen=True)
class DemoAccount:
    """One demo user: role, area ('street'/'grid' resolve to the first of the demo district), password, token."""

    username: str
    role: str
    area: str
    display_name: str

    @property
    def password(self) -> str:
        """The demo password: the user name followed by -2026."""
        return f"{self.username}-2026"

    @property
    def token(self) -> str:
        """The demo API token: the user name itself."""
        return self.username


DEMO_ACCOUNTS = (
    DemoAccount("demo-admin", "admin", "district", "演示管理员"),
    DemoAccount("demo-planner", "planner", "district", "演示规划员"),
    DemoAccount("demo-dispatcher", "dispatcher", "district", "演示调度员"),
    DemoAccount("demo-viewer", "viewer", "district", "演示浏览者"),
    DemoAccount("demo-street", "dispatcher", "street", "第一街道调度员"),
    DemoAccount("demo-gridworker", "grid_worker", "grid", "第一网格网格员"),
)


def _area(conn: psycopg.Connection, area: str) -> str:
    if area == "district":
        return DISTRICT_CODE
    table = {"street": "streets", "grid": "grids"}[area]
    row = conn.execute(f"SELECT min(code) FROM {table}").fetchone()  # noqa: S608 - fixed table names
    return row[0] if row and row[0] else DISTRICT_CODE


def create(conn: psycopg.Connection) -> list[tuple[DemoAccount, str]]:
    """Create (or keep) every demo account and its token; (account, area code) each. The caller commits."""
    made = []
    for account in DEMO_ACCOUNTS:
        area = _area(conn, account.area)
        try:
            users.add(conn, account.username, account.role, area, actor=ACTOR, password=account.password,
                      display_name=account.display_name)
        except Conflict:
            area = users.get(conn, account.username).area_code
        credentials.issue_token(conn, account.username, actor=ACTOR, name="演示令牌", days=365, value=account.token)
        made.append((account, area))
    return made
