"""API tokens and browser sessions: random secrets of which only the SHA-256 is stored.

A token or session cookie carries 256 random bits, so a plain SHA-256 is enough to make a
stolen table useless (a slow hash guards low-entropy passwords, not these).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import psycopg
from psycopg.rows import dict_row

from geo.accounts import audit
from geo.accounts.roles import User
from geo.accounts.users import get
from geo.errors import BadRequest, NotFound

SESSION_HOURS = 12
MAX_TOKEN_DAYS = 3650
_USER_COLUMNS = "u.id, u.username, u.role, u.area_code, u.display_name"
_BY_TOKEN = f"""SELECT {_USER_COLUMNS} FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id
WHERE t.token_sha256 = %s AND t.revoked_at IS NULL AND t.expires_at > now() AND NOT u.disabled"""
_BY_SESSION = f"""SELECT {_USER_COLUMNS}, s.csrf FROM sessions AS s JOIN users AS u ON u.id = s.user_id
WHERE s.token_sha256 = %s AND s.expires_at > now() AND NOT u.disabled"""
_TOKENS = """SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at
FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id ORDER BY t.id LIMIT %s OFFSET %s"""


def digest(secret: str) -> str:
    """Hex SHA-256 of a token or session cookie, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _user(row: dict[str, object]) -> User:
    return User(int(row["id"]), str(row["username"]), row["role"], str(row["area_code"]),  # type: ignore[arg-type]
                str(row["display_name"]))


def issue_token(conn: psycopg.Connection, username: str, *, actor: str, name: str = "", days: int = 90,
                value: str | None = None) -> str:
    """A new token for `username`, valid `days` days; `value` fixes it (demo accounts only). The caller commits."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise BadRequest(f"有效期须为1～{MAX_TOKEN_DAYS}天")
    user = get(conn, username)
    token = value or secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    conn.execute("INSERT INTO api_tokens (user_id, name, token_sha256, expires_at) VALUES (%s, %s, %s, %s) "
                 "ON CONFLICT (token_sha256) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, "
                 "expires_at = EXCLUDED.expires_at, revoked_at = NULL",
                 (user.id, name, digest(token), expires))
    audit.record(conn, actor, "签发令牌", username, {"name": name, "expires_at": expires.isoformat()})
    return token


def revoke_token(conn: psycopg.Connection, token_id: int, *, actor: str) -> None:
    """Revoke token `token_id` at once. The caller commits."""
    row = conn.execute("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s "
                       "RETURNING user_id", (token_id,)).fetchone()
    if row is None:
        raise NotFound(f"没有编号为{token_id}的令牌")
    audit.record(conn, actor, "吊销令牌", str(token_id))


def tokens_page(conn: psycopg.Connection, *, limit: int, offset: int) -> tuple[int, list[dict[str, object]]]:
    """(total tokens, one page: owner, name, dates; never the secret)."""
    total = conn.execute("SELECT count(*) FROM api_tokens").fetchone()[0]
    return total, conn.cursor(row_factory=dict_row).execute(_TOKENS, (limit, offset)).fetchall()


def user_for_token(conn: psycopg.Connection, token: str) -> User | None:
    """The enabled user a live, unrevoked token belongs to; None otherwise."""
    row = conn.cursor(row_factory=dict_row).execute(_BY_TOKEN, (digest(token),)).fetchone()
    return _user(row) if row is not None else None


def start_session(conn: psycopg.Connection, user: User) -> tuple[str, str]:
    """(cookie secret, CSRF token) of a new session of `user`. The caller commits."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute("DELETE FROM sessions WHERE expires_at < now()")
    conn.execute("INSERT INTO sessions (token_sha256, user_id, csrf, expires_at) "
                 "VALUES (%s, %s, %s, now() + make_interval(hours => %s))", (digest(secret), user.id, csrf,
                                                                            SESSION_HOURS))
    return secret, csrf


def session_user(conn: psycopg.Connection, secret: str) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session; None otherwise."""
    row = conn.cursor(row_factory=dict_row).execute(_BY_SESSION, (digest(secret),)).fetchone()
    return (_user(row), str(row["csrf"])) if row is not None else None


def end_session(conn: psycopg.Connection, secret: str) -> None:
    """Forget the session (logout). The caller commits."""
    conn.execute("DELETE FROM sessions WHERE token_sha256 = %s", (digest(secret),))
