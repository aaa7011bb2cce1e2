"""Settings of the HTTP API, read from the environment (prefix WANGGE_API_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and labels of the HTTP API."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_API_", extra="ignore")

    title: str = "网格化治理 GIS 服务"
    default_page_size: int = 1000
    max_page_size: int = 50_000
    # Session cookies only over HTTPS (browsers treat http://localhost and 127.0.0.1 as secure too).
    cookie_secure: bool = True
    # Public Open311 submissions per client address and minute.
    open311_per_minute: int = 30
    # Largest request body (bytes) of any operation but the CSV import (api/routes/incidents.py).
    max_body_bytes: int = 1024 * 1024
    # Requests in progress at once; above it, 503 with Retry-After at once instead of a queue
    # that grows while the database is away (bench/faults.py).
    max_in_flight: int = 32
