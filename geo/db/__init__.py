"""Database access: connections and the pool, migrations, health, and the SQL files by area."""

from geo.db.connection import connect, open_pool, serialise, sql

__all__ = ["connect", "open_pool", "serialise", "sql"]
