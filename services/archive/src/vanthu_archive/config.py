"""Settings of the archive service."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "archive"
API_PORT = 8004
WORKER_PORT = 8104


class ArchiveSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_ARCHIVE_", extra="ignore")
