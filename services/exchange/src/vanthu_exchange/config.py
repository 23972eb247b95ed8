"""Settings of the exchange service."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "exchange"
API_PORT = 8003
WORKER_PORT = 8103


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_EXCHANGE_", extra="ignore")
