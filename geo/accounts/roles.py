"""Roles, the signed-in user, and what an area scope lets them see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Role = Literal["viewer", "planner", "dispatcher", "grid_worker", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "planner", "dispatcher", "grid_worker", "admin")
ROLE_LABELS: dict[str, str] = {"viewer": "浏览者", "planner": "规划人员", "dispatcher": "调度员",
                               "grid_worker": "网格员", "admin": "管理员"}
# A district (6 digits), street (9), community (12) or grid (15) code: the area a user answers for.
AREA_CODE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15}")


@dataclass(frozen=True)
class User:
    """A signed-in user: who, with which role, answering for which area (a code prefix)."""

    id: int
    username: str
    role: Role
    area_code: str
    display_name: str = ""

    @property
    def label(self) -> str:
        """How the user appears in audit trails and handling records."""
        return f"{self.display_name}（{self.username}）" if self.display_name else self.username

    def covers(self, code: str | None) -> bool:
        """Whether an area or grid `code` lies within this user's area (district-wide users cover unplaced ones)."""
        if code is None:
            return len(self.area_code) == 6
        return code.startswith(self.area_code)


def check_role(role: str) -> Role:
    """`role` if it is one of ROLES; ValueError naming them otherwise."""
    if role not in ROLES:
        raise ValueError(f"未知角色“{role}”（可用：{'、'.join(ROLES)}）")
    return role  # type: ignore[return-value]


def check_area(code: str) -> str:
    """`code` if it is a district, street, community or grid code; ValueError otherwise."""
    if not AREA_CODE.fullmatch(code):
        raise ValueError(f"辖区编码“{code}”无效：须为6位区县、9位街道、12位社区或15位网格编码")
    return code
