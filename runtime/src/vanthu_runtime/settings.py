"""Settings blocks shared by every service; each reads its own VANTHU_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    client_id: str = "vanthu"


class MongoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_MONGO_", extra="ignore")

    uri: str = "mongodb://127.0.0.1:27017/"
    database: str = "vanthu"
    server_selection_timeout_ms: int = 3000


class S3Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_S3_", extra="ignore")

    endpoint: str = "127.0.0.1:9000"
    access_key: str = ""
    secret_key: SecretStr = SecretStr("")
    secure: bool = False
    bucket: str = "vanthu"
    region: str = "us-east-1"


class AuthSettings(BaseSettings):
    """JWT verification. Dev mode accepts HS256 tokens signed with a local secret (`vanthu token`)."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_AUTH_", extra="ignore")

    dev_mode: bool = False
    dev_secret: SecretStr = SecretStr("")
    public_key_pem: str = ""
    algorithms: list[str] = ["RS256", "ES256", "EdDSA"]
    issuer: str = "vanthu"
    audience: str = "vanthu"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_", extra="ignore")

    log_level: str = "INFO"
    log_json: bool | None = None
    http_host: str = "127.0.0.1"
