"""What every route needs: the handlers wired at start-up, the caller, domain errors as HTTP."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status
from vanthu_runtime.auth import Principal, Role, require_roles

from vanthu_routing.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    RoutingError,
    UnknownItem,
)
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import CaseNotFound, ConcurrentUpdate

T = TypeVar("T")

_STATUS = {
    InvalidTransition: status.HTTP_409_CONFLICT,
    NotPermitted: status.HTTP_403_FORBIDDEN,
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    UnknownItem: status.HTTP_404_NOT_FOUND,
}


def get_handlers(request: Request) -> RoutingHandlers:
    handlers: RoutingHandlers = request.app.state.handlers
    return handlers


Handlers = Annotated[RoutingHandlers, Depends(get_handlers)]


def caller_of(principal: Principal) -> Caller:
    return Caller(
        user_id=principal.user_id,
        agency_code=principal.agency_code,
        full_name=principal.full_name,
        roles=frozenset(r.value for r in principal.roles),
        unit_id=principal.unit_id,
    )


def caller_with(*roles: Role) -> Any:
    """A dependency giving the caller when the token claims one of ``roles`` AND routing's own
    directory grants it (an `_id` look-up per call); the caller's unit, name and the unit they
    head come from the directory, not from the token."""
    check = require_roles(*roles)
    allowed = frozenset(r.value for r in roles)

    async def dependency(
        principal: Annotated[Principal, Depends(check)], handlers: Handlers
    ) -> Caller:
        try:
            return await handlers.identify(caller_of(principal), allowed)
        except RoutingError as error:
            raise http_error(error) from error

    return Depends(dependency)


def http_error(error: RoutingError) -> HTTPException:
    code = next(
        (c for cls, c in _STATUS.items() if isinstance(error, cls)),
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
    return HTTPException(code, detail={"message": error.message, "message_vi": error.message_vi})


async def answering(call: Callable[[], Awaitable[T]]) -> T:
    """Run a handler call, turning refusals into clear HTTP errors (nothing was changed)."""
    try:
        return await call()
    except RoutingError as error:
        raise http_error(error) from error
    except CaseNotFound as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"case_id: no case {error} in your agency"
        ) from error
    except ConcurrentUpdate as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="the case kept changing; try again"
        ) from error
