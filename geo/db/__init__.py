"""Database access: connections and the pool, migrations, health, and the SQL files by area."""

from geo.db.connection import connect, drop_database, open_pool, serialise, sql

__all__ = ["connect", "drop_database", "open_pool", "serialise", "sql"]
