"""Settings of the intake service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "intake"
API_PORT = 8001
WORKER_PORT = 8101


class IntakeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_INTAKE_", extra="ignore")

    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    """Largest registration request accepted (all files together); above it the answer is 413."""
    ocr_language: str = "vie"
    ocr_low_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    """Pages read with a mean word confidence below this are flagged for a person to check."""
    ocr_timeout_s: float = 300.0
    trust_roots_dir: Path | None = None
    """Folder of PEM certificates of the certificate authorities whose signatures are trusted."""
    reservation_grace_s: float = 60.0
    """How long a number may stay reserved without its document before it is voided."""
    staff_department: str = "Văn thư"
    staff_name: str = "Bộ phận tiếp nhận văn bản"
    """Who the statuses sent back to other agencies name as answerable."""
    consumer_group_prefix: str = ""
    """Consumer groups are `<prefix>-digitiser`, `<prefix>-exchange-inbound`,
    `<prefix>-exchange-status` and `<prefix>-directory`; empty means
    `intake-<mongo database>`, so that deployments sharing a broker (test sessions, a second
    `make run` on another database) never share a group and its committed offsets."""

    def group_prefix_for(self, database: str) -> str:
        return self.consumer_group_prefix or f"intake-{database}"

    link_ttl_s: int = Field(default=300, ge=10, le=3600)
    agency_names: dict[str, str] = {"000.00.00.G22": "Văn phòng Chính phủ"}
    """The names of the agencies this deployment keeps registers for, by code, as JSON
    (`{"000.00.00.G22": "Văn phòng Chính phủ"}`): printed registers name the agency (ND 30
    Phụ lục IV), and no event carries an agency's own name."""
    send_silence_s: float = Field(default=600.0, gt=0)
    """A document sent to other agencies with no transport status from the exchange for this long
    is shown to the clerk as not sent ("hệ thống liên thông không phản hồi")."""
