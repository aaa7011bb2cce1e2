"""Settings of the HTTP API, read from the environment (prefix WANGGE_API_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Limits and labels of the HTTP API."""

    model_config = SettingsConfigDict(env_prefix="WANGGE_API_", extra="ignore")

    title: str = "网格化治理 GIS 服务"
    default_page_size: int = 1000
    max_page_size: int = 50_000
    # Comma-separated API keys of dispatchers: they may take in incidents and see reporters.
    dispatcher_keys: str = ""

    def is_dispatcher(self, key: str | None) -> bool:
        """Whether `key` (the X-API-Key header) belongs to a dispatcher."""
        keys = {k.strip() for k in self.dispatcher_keys.split(",") if k.strip()}
        return key is not None and key in keys
