"""Settings of the routing service."""

from __future__ import annotations

from datetime import date

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "routing"
API_PORT = 8002
WORKER_PORT = 8102


class RoutingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_ROUTING_", extra="ignore")

    extra_days_off: list[date] = []
    """Days off the government decided beyond the statutory holidays (e.g. Tết bridges)."""
    make_up_working_days: list[date] = []
    """Saturdays worked to make up for a bridge day."""
    decided_years: list[int] = []
    remind_working_days_before: list[int] = [1]
    leader_escalation_after_working_days: int = Field(default=2, ge=1)
    consumer_group: str = "routing-cases"
    deadline_scan_interval_s: float = Field(default=60.0, gt=0)
