"""Settings blocks shared by every service; each reads its own VANTHU_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, SecretStr, model_validator
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
    # The broker's login (ADR 0005 addendum): `make run` gives each service its own SCRAM user
    # (`infra.sh service-env`), the operators and the tests the administrator's (`infra.sh env`).
    # PLAINTEXT is an open broker (an old local state folder, testcontainers).
    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] = "SCRAM-SHA-256"
    username: str = ""
    password: SecretStr = SecretStr("")

    @property
    def signs_in(self) -> bool:
        return self.security_protocol != "PLAINTEXT"

    @model_validator(mode="after")
    def _a_login_names_its_user(self) -> KafkaSettings:
        """A SASL protocol without a user or a password would only be refused by the broker, at
        the first connection and with a vaguer reason: refuse it where the settings are read."""
        if self.signs_in:
            missing = [
                f"VANTHU_KAFKA_{name.upper()}"
                for name, value in (
                    ("username", self.username),
                    ("password", self.password.get_secret_value()),
                )
                if not value
            ]
            if missing:
                raise ValueError(
                    f"VANTHU_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs "
                    f"{' and '.join(missing)}"
                )
        return self


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
