"""Settings for database access, read from the environment."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseSettings):
    """Where the PostGIS database is and how many connections to keep."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_DB_", extra="ignore", populate_by_name=True)

    url: str = Field(validation_alias=AliasChoices("DATABASE_URL", "WANGGE_DB_URL"))
    pool_min_size: int = 1
    pool_max_size: int = 8
    # Seconds a request waits for a connection (or a new one to open) before answering 503.
    connect_timeout_s: float = 2.0
    # Password of the read-only role wangge_reader, set by `wangge migrate` (empty: left as it is).
    reader_password: str = ""
