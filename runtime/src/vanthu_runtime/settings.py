"""Settings blocks shared by every service; each reads its own VANTHU_* environment variables."""

from __future__ import annotations

from pydantic import AwareDatetime, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    client_id: str = "vanthu"
    # Where a consumer group that has never committed starts on each partition: the beginning
    # (unset, the default: a new service or projection replays history) or the first record at or
    # after this instant (a new subscriber that wants only what happens from a date on, or a test
    # that shares a broker with older traffic). Committed groups always resume where they were.
    new_group_start: AwareDatetime | None = None


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
    jwks_url: str = ""
    """The identity provider's JWKS (OpenID Connect `jwks_uri`): its signing keys, fetched and
    cached, verify its tokens; set with `issuer` to the provider's issuer (ADR 0009)."""
    oidc_client_id: str = ""
    """The provider's public client of the web app (authorization code + PKCE), told to browsers
    by `GET /auth/config`."""
    user_claim: str = "sub"
    """The claim naming the person as the directory knows him (Keycloak: `preferred_username`)."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_", extra="ignore")

    log_level: str = "INFO"
    log_json: bool | None = None
    http_host: str = "127.0.0.1"
