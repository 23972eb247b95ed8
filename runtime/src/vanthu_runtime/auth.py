"""JWT authentication for every API: who the caller is, their agency and their roles.

Production verifies tokens signed by the agency's identity provider: an OpenID Connect provider's
keys from its JWKS (VANTHU_AUTH_JWKS_URL, with VANTHU_AUTH_ISSUER; ADR 0009), or one public key
(VANTHU_AUTH_PUBLIC_KEY_PEM). Dev mode (VANTHU_AUTH_DEV_MODE=true, set by `make run`) also accepts
HS256 tokens signed with the local dev secret, which `vanthu token` issues.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict

from vanthu_runtime.settings import AuthSettings

DEV_ALGORITHM = "HS256"


class Role(StrEnum):
    CLERK = "clerk"
    LEADER = "leader"
    SECRETARY = "secretary"
    UNIT_HEAD = "unit_head"
    SPECIALIST = "specialist"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    SERVICE = "service"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    agency_code: str
    roles: frozenset[Role]
    full_name: str = ""
    unit_id: str | None = None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class InvalidToken(Exception):
    pass


def issue_dev_token(
    settings: AuthSettings,
    *,
    user_id: str,
    agency_code: str,
    roles: list[str],
    full_name: str = "",
    unit_id: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    secret = settings.dev_secret.get_secret_value()
    if not secret:
        raise InvalidToken(
            "no dev secret configured (VANTHU_AUTH_DEV_SECRET); run `make run` first"
        )
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "agency": agency_code,
        "roles": [Role(r).value for r in roles],
        "name": full_name,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + ttl,
    }
    if unit_id:
        claims["unit"] = unit_id
    return jwt.encode(claims, secret, algorithm=DEV_ALGORITHM)


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # Keys are cached for the client's lifetime; an unknown `kid` (a rotated key) fetches again.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=10)


def _verification_key(settings: AuthSettings, token: str) -> tuple[Any, list[str]]:
    header = jwt.get_unverified_header(token)
    if header.get("alg") == DEV_ALGORITHM:
        if not settings.dev_mode or not settings.dev_secret.get_secret_value():
            raise InvalidToken("dev tokens are accepted only when dev auth is enabled")
        return settings.dev_secret.get_secret_value(), [DEV_ALGORITHM]
    if settings.jwks_url:
        try:
            return _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key, [
                a for a in settings.algorithms if a != DEV_ALGORITHM
            ]
        except jwt.PyJWKClientError as exc:
            raise InvalidToken(f"no key of the identity provider verifies it: {exc}") from exc
    if not settings.public_key_pem:
        raise InvalidToken("no public key configured to verify this token")
    return settings.public_key_pem, settings.algorithms


def verify_token(settings: AuthSettings, token: str) -> Principal:
    try:
        key, algorithms = _verification_key(settings, token)
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    try:
        known = {role.value for role in Role}
        return Principal(
            # Dev tokens (`vanthu token`) name the person in `sub`; a provider where configured.
            user_id=claims["sub" if algorithms == [DEV_ALGORITHM] else settings.user_claim],
            agency_code=claims["agency"],
            # A provider adds roles of its own (offline_access, default-roles-…): not ours.
            roles=frozenset(Role(r) for r in claims.get("roles", []) if r in known),
            full_name=claims.get("name", ""),
            unit_id=claims.get("unit"),
        )
    except (KeyError, ValueError) as exc:
        raise InvalidToken(f"token claims are incomplete: {exc}") from exc


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def current_principal(request: Request) -> Principal:
    settings: AuthSettings = request.app.state.auth_settings
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("a bearer token is required")
    try:
        if settings.jwks_url:
            # The first token of a provider's key fetches the JWKS over HTTP: off the event loop.
            return await asyncio.to_thread(verify_token, settings, token)
        return verify_token(settings, token)
    except InvalidToken as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through callers holding at least one of `roles`."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            needed = ", ".join(r.value for r in roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail=f"requires one of the roles: {needed}"
            )
        return principal

    return dependency
