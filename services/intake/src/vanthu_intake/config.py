"""Settings of the intake service."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "intake"
API_PORT = 8001
WORKER_PORT = 8101


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_INTAKE_", extra="ignore")
