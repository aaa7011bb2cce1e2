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
    connect_timeout_s: float = 10.0
