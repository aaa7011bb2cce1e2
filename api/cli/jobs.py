"""Recomputes started from the command line: the same one-at-a-time lock as the API's, and an audit entry."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from geo.accounts import audit
from geo.db import jobs


def actor() -> str:
    """Who acts from the command line, as the audit log names them."""
    return f"命令行:{getpass.getuser()}"


@contextmanager
def job(conn: psycopg.Connection, kind: str, label: str, target: str, detail: dict[str, object]) -> Iterator[None]:
    """Run the block holding job `kind`'s lock (Busy if the API or another command runs it); audit it when done."""
    with jobs.exclusive(conn, kind, label, f"cli-{getpass.getuser()}"):
        yield
        audit.record(conn, actor(), label, target, detail)
        conn.commit()
