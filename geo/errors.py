"""Domain errors raised by geo/; the API maps each class to one HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field


class WanggeError(Exception):
    """Base of every error wangge reports to its users (message in zh-CN)."""


class NotFound(WanggeError):
    """A named thing (layer, feature, code) does not exist."""


class DatabaseUnavailable(WanggeError):
    """The database cannot be reached or lacks a required extension."""


class MigrationError(WanggeError):
    """The schema history in the database disagrees with the migration files."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, field) and why."""

    source: str
    reason: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.field:
            where += f" 字段“{self.field}”"
        return f"{where}：{self.reason}"

    def as_dict(self) -> dict[str, object]:
        """Plain-dict form for JSON responses and the imports log."""
        return {"source": self.source, "row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class ImportRejected(WanggeError):
    """An import was refused as a whole; nothing of it was written."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  ……另有{more}个问题" if more > 0 else ""
        return f"导入被拒绝，未写入任何数据（{len(self.problems)}个问题）：\n{shown}{tail}"


class BadRequest(WanggeError):
    """A query parameter is out of range or malformed."""


class CRSError(WanggeError):
    """A CRS is missing, unknown, or contradicts the data or another declaration."""


class EmptyNetwork(WanggeError):
    """There is no walking network to route on."""


class IllegalTransition(WanggeError):
    """The action is not allowed from the incident's current state (or for its type)."""


@dataclass
class InvalidIncident(WanggeError):
    """An incident that cannot be stored as given; nothing was written."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(f"{p.field}：{p.reason}" if p.field else p.reason for p in self.problems)


class Conflict(WanggeError):
    """The request contradicts what is stored (a taken name; a request_id reused for other content)."""


class Busy(Conflict):
    """The same recomputation is already running; `holder` says who started it and when."""

    def __init__(self, message: str, *, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


class OutOfScope(WanggeError):
    """The signed-in user's area does not include what the request is about."""
