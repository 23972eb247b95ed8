"""Settings of the archive service."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "archive"
API_PORT = 8004
WORKER_PORT = 8104


class ArchiveSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_ARCHIVE_", extra="ignore")

    consumer_group: str = ""
    """Kafka group of the event store; empty means `vanthu-archive-<mongo database>`, because the
    committed offsets belong to the store they filled: a new store reads the history again."""
    consume_batch: int = Field(default=2000, ge=1, le=10_000)
    checkpoint_interval_s: float = Field(default=300.0, gt=0)
    checkpoint_bucket: str = ""
    """Object-locked bucket of signed checkpoints; empty means `<VANTHU_S3_BUCKET>-checkpoints`."""
    checkpoint_retention_days: int = Field(default=3650, ge=1)
    checkpoint_lock_mode: str = Field(default="COMPLIANCE", pattern="^(COMPLIANCE|GOVERNANCE)$")
    handover_check_interval_s: float = Field(default=6 * 3600.0, gt=0)
    fixity_interval_s: float = Field(default=24 * 3600.0, gt=0)
    search_candidates: int = Field(default=2000, ge=10, le=100_000)
    """How many text matches are ranked at most; newer documents win beyond that."""

    def group_for(self, database: str) -> str:
        return self.consumer_group or f"vanthu-archive-{database}"

    def checkpoint_bucket_for(self, bucket: str) -> str:
        return self.checkpoint_bucket or f"{bucket}-checkpoints"
