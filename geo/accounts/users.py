"""Users: add, list, disable, and check a password (argon2id hashes by argon2-cffi)."""

from __future__ import annotations

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg.rows import dict_row

from geo.accounts import audit
from geo.accounts.roles import User, check_area, check_role
from geo.errors import BadRequest, Conflict, NotFound

# argon2-cffi's defaults follow RFC 9106's second recommendation (argon2id, 64 MiB, 3 passes).
_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("wangge: no such user")
MIN_PASSWORD_CHARS = 8
_COLUMNS = "id, username, role, area_code, display_name"
_INSERT = f"""INSERT INTO users (username, display_name, role, area_code, password_hash)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT (username) DO NOTHING RETURNING {_COLUMNS}"""
_BY_NAME = f"SELECT {_COLUMNS}, password_hash, disabled FROM users WHERE username = %s"
_PAGE = f"SELECT {_COLUMNS}, disabled, created_at FROM users ORDER BY username LIMIT %s OFFSET %s"


def _user(row: dict[str, object]) -> User:
    return User(int(row["id"]), str(row["username"]), row["role"], str(row["area_code"]),  # type: ignore[arg-type]
                str(row["display_name"]))


def add(conn: psycopg.Connection, username: str, role: str, area_code: str, *, actor: str,
        password: str | None = None, display_name: str = "") -> User:
    """Create a user (no password: tokens only); Conflict if the name is taken. The caller commits."""
    try:
        check_role(role)
        check_area(area_code)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if password is not None and len(password) < MIN_PASSWORD_CHARS:
        raise BadRequest(f"密码至少{MIN_PASSWORD_CHARS}个字符")
    hashed = _HASHER.hash(password) if password is not None else None
    try:
        row = conn.cursor(row_factory=dict_row).execute(
            _INSERT, (username, display_name, role, area_code, hashed)).fetchone()
    except psycopg.errors.CheckViolation:
        raise BadRequest(f"用户名“{username}”无效：只可用字母、数字和 _ . -，至多64个字符") from None
    if row is None:
        raise Conflict(f"用户名“{username}”已存在")
    audit.record(conn, actor, "新增用户", username, {"role": role, "area_code": area_code})
    return _user(row)


def get(conn: psycopg.Connection, username: str) -> User:
    """The user called `username` (disabled or not); NotFound otherwise."""
    row = conn.cursor(row_factory=dict_row).execute(_BY_NAME, (username,)).fetchone()
    if row is None:
        raise NotFound(f"没有用户“{username}”")
    return _user(row)


def page(conn: psycopg.Connection, *, limit: int, offset: int) -> tuple[int, list[dict[str, object]]]:
    """(total users, one page of them by name); no hashes."""
    total = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    return total, conn.cursor(row_factory=dict_row).execute(_PAGE, (limit, offset)).fetchall()


def disable(conn: psycopg.Connection, username: str, *, actor: str) -> None:
    """Disable the user: their sessions end and their tokens stop working. The caller commits."""
    user = get(conn, username)
    conn.execute("UPDATE users SET disabled = true WHERE id = %s", (user.id,))
    conn.execute("DELETE FROM sessions WHERE user_id = %s", (user.id,))
    audit.record(conn, actor, "停用用户", username)


def check_password(conn: psycopg.Connection, username: str, password: str) -> User | None:
    """The user if `password` is theirs and they are enabled; None otherwise (same cost either way)."""
    row = conn.cursor(row_factory=dict_row).execute(_BY_NAME, (username,)).fetchone()
    stored = row["password_hash"] if row is not None and row["password_hash"] else _DUMMY_HASH
    try:
        _HASHER.verify(str(stored), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row["disabled"] or not row["password_hash"]:
        return None
    return _user(row)
