"""How a person signs in, for the web app: `GET /auth/config` (ADR 0009).

The web app holds no configuration of its own: it asks an API. With an OpenID Connect provider
configured (VANTHU_AUTH_JWKS_URL, VANTHU_AUTH_ISSUER, VANTHU_AUTH_OIDC_CLIENT_ID), the answer names
the provider's endpoints, read from its discovery document (`/.well-known/openid-configuration`,
cached), and the public client the browser uses (authorization code with PKCE: no client secret).
Dev sign-in is offered only when dev auth is on.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from urllib.error import URLError

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel

from vanthu_runtime.settings import AuthSettings

DISCOVERY_TTL_S = 300.0


class OidcProvider(BaseModel):
    issuer: str
    client_id: str
    scope: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None = None


class SignInConfig(BaseModel):
    dev_sign_in: bool
    """Whether `POST /dev/sign-in` exists (dev auth on)."""
    oidc: OidcProvider | None
    """The identity provider, when one is configured."""


_discovered: dict[str, tuple[float, dict[str, object]]] = {}


async def _discovery(issuer: str) -> dict[str, object]:
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_S:
        return cached[1]
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"the issuer {issuer!r} is not an http(s) URL")

    def fetch() -> dict[str, object]:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (checked above)
            found: dict[str, object] = json.load(answer)
            return found

    document = await asyncio.to_thread(fetch)
    if document.get("issuer") != issuer:
        raise ValueError(f"the provider at {url} names another issuer: {document.get('issuer')}")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def signin_config_router() -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["sign-in"])

    @router.get("/config")
    async def config(request: Request) -> SignInConfig:
        """How to sign in here: dev sign-in and/or the OpenID Connect provider (no secrets)."""
        settings: AuthSettings = request.app.state.auth_settings
        if not (settings.jwks_url and settings.oidc_client_id):
            return SignInConfig(dev_sign_in=settings.dev_mode, oidc=None)
        try:
            found = await _discovery(settings.issuer)
        except (URLError, OSError, ValueError) as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail=f"the identity provider {settings.issuer} does not answer: {exc}",
            ) from exc
        end_session = found.get("end_session_endpoint")
        return SignInConfig(
            dev_sign_in=settings.dev_mode,
            oidc=OidcProvider(
                issuer=settings.issuer,
                client_id=settings.oidc_client_id,
                scope="openid profile",
                authorization_endpoint=str(found["authorization_endpoint"]),
                token_endpoint=str(found["token_endpoint"]),
                end_session_endpoint=str(end_session) if end_session else None,
            ),
        )

    return router
