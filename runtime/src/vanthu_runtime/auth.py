"""JWT authentication for every API: who the caller is, their agency and their roles.

Production verifies tokens signed by the agency's identity provider (public key in
VANTHU_AUTH_PUBLIC_KEY_PEM). Dev mode (VANTHU_AUTH_DEV_MODE=true, set by `make run`) also accepts
HS256 tokens signed with the local dev secret, which `vanthu token` issues.
"""

from __future__ import annotations

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


def _verification_key(settings: AuthSettings, token: str) -> tuple[str, list[str]]:
    header = jwt.get_unverified_header(token)
    if header.get("alg") == DEV_ALGORITHM:
        if not settings.dev_mode or not settings.dev_secret.get_secret_value():
            raise InvalidToken("dev tokens are accepted only when dev auth is enabled")
        return settings.dev_secret.get_secret_value(), [DEV_ALGORITHM]
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
        return Principal(
            user_id=claims["sub"],
            agency_code=claims["agency"],
            roles=frozenset(Role(r) for r in claims.get("roles", [])),
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
