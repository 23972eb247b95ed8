"""Settings of the exchange service: which roles this deployment plays and how they reach each other.

One codebase, two roles (ADR 0030): the API process serves the HUB when ``hub_enabled``; the worker
process runs the CONNECTOR of one deployment when ``hub_url`` and a system id and secret are set.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "exchange"
API_PORT = 8003
WORKER_PORT = 8103


class PeerHub(BaseModel):
    """Another hub this hub forwards to, for agencies it does not host (a Party or a government hub)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    url: str
    system_id: str
    """The code this hub is registered under at the peer."""
    secret: SecretStr


class PeerSettings(BaseModel):
    """What this deployment knows of one peer agency's system (``domain.peers.PeerProfile``)."""

    model_config = ConfigDict(extra="forbid")

    zip_attachments: bool = False
    require_signature: bool | None = None
    sdk_signature: bool = False
    test_environment: bool = False


class ExchangeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_EXCHANGE_", extra="ignore")

    # -- hub role ------------------------------------------------------------------------------
    hub_enabled: bool = True
    hub_id: str = Field(default="hub", pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Name of this hub in forwarding traces; must differ between hubs that peer."""
    hub_token_secret: SecretStr = SecretStr("")
    """Signs the hub's own session tokens for systems; random per start when empty."""
    hub_operator_agency: str = "000.00.00.G22"
    """Administrators of this agency may register systems at the hub."""
    hub_peers: list[PeerHub] = []
    hub_forward_interval_s: float = 0.3
    hub_session_minutes: int = 60
    hub_lockout_failures: int = Field(default=5, ge=1)
    """Consecutive failed sign-ins (hub API and portal alike) that lock a system id."""
    hub_lockout_hours: float = Field(default=12.0, gt=0)
    hub_sign_in_backoff_s: float = Field(default=1.0, ge=0)
    """Wait after the first failed sign-in, doubling with each further one (0: none)."""
    hub_sign_in_max_backoff_s: float = Field(default=60.0, ge=0)
    hub_long_poll_requery_s: float = 5.0
    """How often a long poll looks again for arrivals another API process of the hub accepted;
    arrivals in the same process wake it at once."""
    hub_test_environment: bool = False
    """This hub stands in for the VDXP test environment: it registers and routes that
    environment's lower-case agency codes (``vxp.saas.03``) too (ADR 0053)."""
    portal_cookie_secure: bool = True
    """The portal's session cookie is sent over HTTPS only; false only for plain-HTTP dev."""

    # -- connector role ------------------------------------------------------------------------
    hub_url: str = ""
    system_id: str = ""
    system_secret: SecretStr = SecretStr("")
    hosted_agencies: list[str] = []
    """Agencies this deployment serves; empty means just ``system_id``."""
    poll_interval_s: float = 0.3
    directory_sync_s: float = 30.0
    """How often the connector re-reads the hub's directory; an unknown sender's certificate
    triggers a full read at once."""
    max_send_attempts: int = 8
    max_receive_attempts: int = 3
    """Passes a received package may fail before it is set aside (refused, status 02)."""
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 60.0
    require_signature: bool = True
    """Whether packages must carry a valid XML-DSig signature, for peers not in ``peers``."""
    peers: dict[str, PeerSettings] = {}
    """Per peer agency code (JSON): ``zip_attachments``, ``require_signature``,
    ``sdk_signature`` (ADR 0053), ``test_environment`` (ADR 0050)."""
    consumer_group_prefix: str = ""
    """The worker's consumer groups are `<prefix>-documents` and `<prefix>-outbound` (with a
    connector) or `<prefix>-no-connector` (without); empty means
    `exchange-<mongo database>-<system id>` for the connector's (the answerer's stays
    `exchange-no-connector-<mongo database>`), so that deployments sharing a broker and an
    agency never share a group and its offsets."""

    @field_validator("hub_peers", "peers", mode="before")
    @classmethod
    def _peers_from_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    def group_prefix_for(self, database: str) -> str:
        return self.consumer_group_prefix or f"exchange-{database}-{self.system_id}"

    @property
    def connector_enabled(self) -> bool:
        return bool(self.hub_url and self.system_id and self.system_secret.get_secret_value())

    @property
    def agencies(self) -> tuple[str, ...]:
        return tuple(self.hosted_agencies) or ((self.system_id,) if self.system_id else ())
