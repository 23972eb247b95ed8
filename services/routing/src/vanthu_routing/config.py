"""Settings of the routing service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SERVICE = "routing"
API_PORT = 8002
WORKER_PORT = 8102
DEMO_AGENCY = "000.00.00.G22"
EVERY_AGENCY = "*"


class RoutingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_ROUTING_", extra="ignore")

    extra_days_off: list[date] = []
    """Days off the government decided beyond the statutory holidays (e.g. Tết bridges)."""
    make_up_working_days: list[date] = []
    """Saturdays worked to make up for a bridge day."""
    decided_years: list[int] = []
    remind_working_days_before: list[int] = [1]
    leader_escalation_after_working_days: int = Field(default=2, ge=1)
    consumer_group_prefix: str = ""
    """Consumer groups are `<prefix>-<consumer>` (`-cases` for document.received); empty means
    `routing-<mongo database>`, so that deployments sharing a broker (a second `make run` on
    another database, a test session) never share a group and its committed offsets (ADR 0028,
    as intake's ADR 0016)."""
    served_agencies: Annotated[list[str], NoDecode] = [DEMO_AGENCY]
    """The agencies whose documents this deployment routes, comma-separated in the environment
    (`VANTHU_ROUTING_SERVED_AGENCIES=000.00.00.G22,000.00.00.H41`); `*` serves every agency on
    the topic (a deployment with a broker of its own, the tests). The default is the demo
    agency `make run` and the README use. Documents of other agencies are skipped (logged and
    counted); one of a served agency without routing rules waits for them."""
    deadline_scan_interval_s: float = Field(default=60.0, gt=0)
    indicators_publish_interval_s: float = Field(default=1.0, gt=0)
    """How often the indicators worker publishes the figures of the partitions that changed
    (ADR 0051)."""
    indicators_slow_acceptance_working_days: int = Field(default=2, ge=0)
    """A document delivered to another agency that has not said it arrived (01) or took it in
    (03) after this many working days counts as slow to be accepted (ADR 0052)."""

    @field_validator("served_agencies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()]
        return value

    def serves(self, agency_code: str) -> bool:
        return EVERY_AGENCY in self.served_agencies or agency_code in self.served_agencies

    def group_prefix_for(self, database: str) -> str:
        return self.consumer_group_prefix or f"{SERVICE}-{database}"

    def cases_group_for(self, database: str) -> str:
        """The group that opens cases from document.received."""
        return f"{self.group_prefix_for(database)}-cases"
