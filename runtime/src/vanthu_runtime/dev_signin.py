"""Dev sign-in for the web app: a browser cannot hold the dev secret, so an API issues the token.

Mounted by `create_app` only when dev auth is on (VANTHU_AUTH_DEV_MODE=true, as `make run` sets
it); with dev auth off the path does not exist (404). It signs whoever is asked for, exactly as
`vanthu token` does on the command line: it is a developer's convenience, never a production
sign-in (that is the identity provider's, see docs/adr/0007-web-app.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from vanthu_runtime.auth import InvalidToken, Role, issue_dev_token
from vanthu_runtime.settings import AuthSettings

PERSON_ROLES = tuple(r for r in Role if r is not Role.SERVICE)
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


class DevSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id
    agency_code: str = Field(min_length=1, max_length=64)
    roles: list[Role] = Field(min_length=1)
    full_name: str = Field(default="", max_length=100)
    unit_id: Id | None = None


class DevToken(BaseModel):
    token: str


def dev_signin_router() -> APIRouter:
    router = APIRouter(prefix="/dev", tags=["dev sign-in"])

    @router.post("/sign-in")
    async def sign_in(body: DevSignIn, request: Request) -> DevToken:
        """A dev token for a person (any role but `service`), as `vanthu token` would print."""
        settings: AuthSettings = request.app.state.auth_settings
        if not settings.dev_mode:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
        if Role.SERVICE in body.roles:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail="roles: a person signs in with the roles of people, not `service`",
            )
        try:
            token = issue_dev_token(
                settings,
                user_id=body.user_id,
                agency_code=body.agency_code,
                roles=[r.value for r in body.roles],
                full_name=body.full_name or body.user_id,
                unit_id=body.unit_id,
            )
        except InvalidToken as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(exc)) from exc
        return DevToken(token=token)

    return router
