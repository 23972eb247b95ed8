"""Settings of the routing service."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "routing"
API_PORT = 8002
WORKER_PORT = 8102


class RoutingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_ROUTING_", extra="ignore")
