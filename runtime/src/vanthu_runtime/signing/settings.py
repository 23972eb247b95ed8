"""Where the keys are: the PKCS#11 token, the remote signing provider, the timestamp authority."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SigningSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_SIGNING_", extra="ignore")

    pkcs11_module: Path | None = None
    """The token's PKCS#11 library (SoftHSM2 locally: /usr/lib/softhsm/libsofthsm2.so)."""
    token_label: str = "vanthu"  # noqa: S105 (a label, not a secret)
    pin: SecretStr | None = None
    """The token's user PIN (locally in .local/secrets.env, never in the repository)."""
    remote_url: str | None = None
    """The remote signing provider's API (a CA's service, or the simulator locally)."""
    remote_client_id: str = ""
    remote_client_secret: SecretStr | None = None
    remote_wait_s: float = 120.0
    """How long the person has to confirm on the phone before the signing counts as timed out."""
    remote_poll_s: float = 1.0
    remote_batch_limit: int = 50
    """Most digests the provider confirms at once (more are sent as several confirmations)."""
    remote_users: frozenset[str] = frozenset()
    """Users who sign through the remote provider (JSON list); the others with the token."""
    tsa_url: str | None = None
    """An RFC 3161 timestamp authority: signatures are then PAdES B-T, else B-B."""
