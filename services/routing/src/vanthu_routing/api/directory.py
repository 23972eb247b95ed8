"""The organisation directory: units, users and roles, delegations, routing rules, CSV import.

Every change is published on `directory.changed`; nothing is edited silently.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from vanthu_contracts.events.routing import DirectoryRole
from vanthu_runtime.auth import Role

from vanthu_routing.adapters.mongo_directory import rules_from_document
from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.inputs import MAX_PRIORITY, Instant
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import DirectoryUnit, DirectoryUser

router = APIRouter(prefix="/directory", tags=["directory"])

Admin = caller_with(Role.ADMINISTRATOR)
Anyone = caller_with(*Role)
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
MAX_CSV_ROWS = 20_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    parent_unit_id: Id | None = None
    active: bool = True


class UserIn(Strict):
    full_name: str = Field(min_length=1, max_length=100)
    position: str | None = Field(default=None, min_length=1, max_length=100)
    unit_id: Id | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = (
        None
    )
    roles: list[DirectoryRole] = []
    active: bool = True


class UnitOut(BaseModel):
    """A unit of the agency's directory, as saved and listed."""

    agency_code: str
    unit_id: str
    name: str
    parent_unit_id: str | None
    active: bool

    @classmethod
    def of(cls, unit: DirectoryUnit) -> UnitOut:
        return cls.model_validate(asdict(unit))


class UserOut(BaseModel):
    """A person of the agency's directory with their roles, as saved and listed."""

    agency_code: str
    user_id: str
    full_name: str
    position: str | None
    unit_id: str | None
    email: str | None
    roles: list[str]
    active: bool

    @classmethod
    def of(cls, user: DirectoryUser) -> UserOut:
        return cls.model_validate(asdict(user))


class DelegationIn(Strict):
    delegation_id: Id | None = None
    leader_user_id: Id
    secretary_user_id: Id
    valid_from: Instant
    valid_until: Instant | None = None


class RouteIn(Strict):
    leader_user_id: Id
    lead_unit_id: Id


class RuleIn(Strict):
    rule_id: Id
    priority: int = Field(ge=0, le=MAX_PRIORITY)
    route: RouteIn
    document_type_codes: list[str] = []
    issuer_agency_codes: list[str] = []
    subject_keywords: list[str] = []


class RulesIn(Strict):
    default: RouteIn
    rules: list[RuleIn] = []


@router.put("/units/{unit_id}", status_code=status.HTTP_200_OK)
async def save_unit(
    unit_id: Id, body: UnitIn, handlers: Handlers, caller: Caller = Admin
) -> UnitOut:
    unit = DirectoryUnit(caller.agency_code, unit_id, body.name, body.parent_unit_id, body.active)
    await answering(lambda: handlers.save_unit(caller, unit))
    return UnitOut.of(unit)


@router.put("/users/{user_id}")
async def save_user(
    user_id: Id, body: UserIn, handlers: Handlers, caller: Caller = Admin
) -> UserOut:
    user = await _checked_user(handlers, caller, user_id, body)
    await answering(lambda: handlers.save_user(caller, user))
    return UserOut.of(user)


async def _checked_user(
    handlers: Handlers,
    caller: Caller,
    user_id: str,
    body: UserIn,
    known_units: set[str] | None = None,
) -> DirectoryUser:
    if body.unit_id is not None and not (
        (known_units is not None and body.unit_id in known_units)
        or await handlers.directory.unit(caller.agency_code, body.unit_id)
    ):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"unit_id: no unit {body.unit_id} in {caller.agency_code}",
        )
    return DirectoryUser(
        agency_code=caller.agency_code,
        user_id=user_id,
        full_name=body.full_name,
        position=body.position,
        unit_id=body.unit_id,
        email=body.email,
        roles=tuple(r.value for r in body.roles),
        active=body.active,
    )


@router.get("/users")
async def list_users(handlers: Handlers, caller: Caller = Anyone) -> list[UserOut]:
    return [UserOut.of(u) for u in await handlers.directory.users(caller.agency_code)]


@router.get("/units")
async def list_units(handlers: Handlers, caller: Caller = Anyone) -> list[UnitOut]:
    return [UnitOut.of(u) for u in await handlers.directory.units(caller.agency_code)]


@router.post("/delegations", status_code=status.HTTP_201_CREATED)
async def grant_delegation(
    body: DelegationIn, handlers: Handlers, caller: Caller = Admin
) -> dict[str, Any]:
    delegation = await answering(
        lambda: handlers.grant_delegation(
            caller,
            leader_user_id=body.leader_user_id,
            secretary_user_id=body.secretary_user_id,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            delegation_id=body.delegation_id,
        )
    )
    return asdict(delegation)


@router.post("/delegations/{delegation_id}/revocation")
async def revoke_delegation(
    delegation_id: Id, handlers: Handlers, caller: Caller = Admin
) -> dict[str, Any]:
    try:
        revoked = await answering(lambda: handlers.revoke_delegation(caller, delegation_id))
    except LookupError as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"delegation_id: no delegation {delegation_id}"
        ) from error
    return asdict(revoked)


@router.put("/routing-rules")
async def save_routing_rules(
    body: RulesIn, handlers: Handlers, caller: Caller = Admin
) -> dict[str, Any]:
    document = body.model_dump()
    try:
        rules_from_document(document)
    except InvalidInput as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=error.message) from error
    routed = await answering(lambda: handlers.save_routing_rules(caller, document))
    # The documents that were waiting for these rules now wait for the leaders they name.
    return {**document, "waiting_documents_routed": routed}


@router.post("/import")
async def import_csv(
    handlers: Handlers,
    text: Annotated[str, Body(media_type="text/csv")],
    caller: Caller = Admin,
) -> dict[str, int]:
    """Units and users in bulk: columns kind (unit|user), id, name, parent_unit_id, unit_id,
    position, email, roles (separated by ';'), active. Every row is checked before anything is
    written, so a bad file changes nothing."""
    units, users = _parse_csv(text)
    known = {u.unit_id for u in units} | {
        u.unit_id for u in await handlers.directory.units(caller.agency_code)
    }
    checked_users = []
    for row_number, user_id, body in users:
        try:
            checked_users.append(await _checked_user(handlers, caller, user_id, body, known))
        except HTTPException as error:
            raise HTTPException(
                error.status_code, detail=f"row {row_number}: {error.detail}"
            ) from error
    for unit in units:
        await handlers.save_unit(
            caller,
            DirectoryUnit(
                caller.agency_code, unit.unit_id, unit.name, unit.parent_unit_id, unit.active
            ),
        )
    for user in checked_users:
        await handlers.save_user(caller, user)
    return {"units": len(units), "users": len(checked_users)}


def _parse_csv(text: str) -> tuple[list[DirectoryUnit], list[tuple[int, str, UserIn]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    required = {"kind", "id", "name"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"header: missing column(s) {', '.join(sorted(missing))}",
        )
    units: list[DirectoryUnit] = []
    users: list[tuple[int, str, UserIn]] = []
    for row_number, row in enumerate(reader, start=2):
        if row_number > MAX_CSV_ROWS:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "over 20000 rows")
        units_or_users = _parse_row(row_number, {k: (v or "").strip() for k, v in row.items() if k})
        if isinstance(units_or_users, DirectoryUnit):
            units.append(units_or_users)
        else:
            users.append((row_number, row["id"].strip(), units_or_users))
    return units, users


def _parse_row(row_number: int, row: dict[str, str]) -> DirectoryUnit | UserIn:
    active = row.get("active", "").lower() not in {"false", "0", "no", "khong"}
    try:
        if row["kind"] == "unit":
            body = UnitIn(
                name=row["name"], parent_unit_id=row.get("parent_unit_id") or None, active=active
            )
            _check_id(row["id"])
            return DirectoryUnit("", row["id"], body.name, body.parent_unit_id, body.active)
        if row["kind"] == "user":
            _check_id(row["id"])
            return UserIn(
                full_name=row["name"],
                position=row.get("position") or None,
                unit_id=row.get("unit_id") or None,
                email=row.get("email") or None,
                roles=[
                    DirectoryRole(r.strip()) for r in row.get("roles", "").split(";") if r.strip()
                ],
                active=active,
            )
    except (ValidationError, ValueError) as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"row {row_number}: {error}"
        ) from error
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=f"row {row_number}: kind must be 'unit' or 'user', not {row['kind']!r}",
    )


class _IdCheck(Strict):
    id: Id


def _check_id(value: str) -> None:
    _IdCheck(id=value)
