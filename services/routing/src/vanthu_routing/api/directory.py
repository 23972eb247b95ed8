"""The organisation directory: units, users and roles, delegations, routing rules, CSV import.

Every change is published on `directory.changed`; nothing is edited silently.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from vanthu_contracts.events.routing import DirectoryRole
from vanthu_runtime.auth import Role

from vanthu_routing.adapters.mongo_case_codec import to_document
from vanthu_routing.adapters.mongo_directory import rules_from_document
from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.inputs import MAX_PRIORITY, Instant
from vanthu_routing.api.views import DelegationOut
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import DirectoryUnit, DirectoryUser

router = APIRouter(prefix="/directory", tags=["directory"])

Admin = caller_with(Role.ADMINISTRATOR)
Anyone = caller_with(*Role)
DelegationReader = caller_with(Role.ADMINISTRATOR, Role.LEADER, Role.SECRETARY)
"""An administrator reads every delegation of the agency, a leader his own, a secretary hers."""
RulesReader = caller_with(Role.ADMINISTRATOR, Role.CLERK, Role.LEADER, Role.SECRETARY, Role.AUDITOR)
"""The administrator who keeps the rules, and those who see every incoming document (ADR 0008):
the rules say where each one goes."""
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


class RouteOut(BaseModel):
    leader_user_id: str
    """The leader the document is presented to."""
    lead_unit_id: str
    """The unit suggested to lead."""


class RuleOut(BaseModel):
    """A rule as kept: its criteria (any value of one criterion matches; all given criteria
    must), and where a matching document goes."""

    rule_id: str
    priority: int
    route: RouteOut
    document_type_codes: list[str]
    issuer_agency_codes: list[str]
    subject_keywords: list[str]


class RulesOut(BaseModel):
    """The agency's routing rules, in priority order (the first that matches wins)."""

    default: RouteOut | None
    """Where a document no rule matches goes; null while the agency has no rules."""
    rules: list[RuleOut]


class SavedRulesOut(RulesOut):
    default: RouteOut
    waiting_documents_routed: int
    """Documents that were waiting for rules and now wait for the leader these name."""


class ImportOut(BaseModel):
    """What an import wrote."""

    units: int
    users: int


class RowError(BaseModel):
    """One refused cell of an imported CSV: its row (the header is row 1) and its column."""

    row: int
    field: str
    """The CSV's column (``kind``, ``id``, ``name``, ``roles``...), ``header`` for the header."""
    message: str
    message_vi: str


class ImportRefusal(BaseModel):
    """The `detail` of a refused import: every bad row, and that nothing was written."""

    message: str
    message_vi: str
    rows: list[RowError]


class ImportRefused(BaseModel):
    detail: ImportRefusal


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


@router.get("/delegations")
async def list_delegations(
    handlers: Handlers, caller: Caller = DelegationReader
) -> list[DelegationOut]:
    """The agency's delegations, revoked and expired ones too, by leader then start: all of them
    for an administrator, a leader's own grants, and the grants made to a secretary."""
    return [DelegationOut.of(d) for d in await handlers.delegations_seen_by(caller)]


@router.post("/delegations", status_code=status.HTTP_201_CREATED)
async def grant_delegation(
    body: DelegationIn, handlers: Handlers, caller: Caller = Admin
) -> DelegationOut:
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
    return DelegationOut.of(delegation)


@router.post("/delegations/{delegation_id}/revocation")
async def revoke_delegation(
    delegation_id: Id, handlers: Handlers, caller: Caller = Admin
) -> DelegationOut:
    try:
        revoked = await answering(lambda: handlers.revoke_delegation(caller, delegation_id))
    except LookupError as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"delegation_id: no delegation {delegation_id}"
        ) from error
    return DelegationOut.of(revoked)


@router.get("/routing-rules")
async def show_routing_rules(handlers: Handlers, caller: Caller = RulesReader) -> RulesOut:
    """The agency's routing rules in priority order; `default` is null while it has none (its
    incoming documents then wait for rules)."""
    rules = await handlers.directory.routing_rules(caller.agency_code)
    return RulesOut.model_validate(to_document(rules) if rules else {"default": None, "rules": []})


@router.put("/routing-rules")
async def save_routing_rules(
    body: RulesIn, handlers: Handlers, caller: Caller = Admin
) -> SavedRulesOut:
    document = body.model_dump()
    try:
        saved = rules_from_document(document)
    except InvalidInput as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=error.message) from error
    routed = await answering(lambda: handlers.save_routing_rules(caller, document))
    # The documents that were waiting for these rules now wait for the leaders they name.
    return SavedRulesOut.model_validate({**to_document(saved), "waiting_documents_routed": routed})


@router.post(
    "/import",
    responses={
        status.HTTP_422_UNPROCESSABLE_CONTENT: {
            "model": ImportRefused,
            "description": "Every bad row of the file, with its column; nothing was written.",
        }
    },
)
async def import_csv(
    handlers: Handlers,
    text: Annotated[str, Body(media_type="text/csv")],
    caller: Caller = Admin,
) -> ImportOut:
    """Units and users in bulk: columns kind (unit|user), id, name, parent_unit_id, unit_id,
    position, email, roles (separated by ';'), active. Every row is checked before anything is
    written, so a bad file changes nothing; a refusal names every bad row and its column."""
    parsed = _parse_csv(text)
    known = {u.unit_id for u in parsed.units} | {
        u.unit_id for u in await handlers.directory.units(caller.agency_code)
    }
    checked_users = []
    for row_number, user_id, body in parsed.users:
        if body.unit_id is not None and body.unit_id not in known:
            parsed.errors.append(
                RowError(
                    row=row_number,
                    field="unit_id",
                    message=f"no unit {body.unit_id} in {caller.agency_code}",
                    message_vi=f'không có đơn vị "{body.unit_id}" trong cơ quan',
                )
            )
            continue
        checked_users.append(await _checked_user(handlers, caller, user_id, body, known))
    if parsed.errors:
        raise _refused(parsed.errors)
    for unit in parsed.units:
        await handlers.save_unit(
            caller,
            DirectoryUnit(
                caller.agency_code, unit.unit_id, unit.name, unit.parent_unit_id, unit.active
            ),
        )
    for user in checked_users:
        await handlers.save_user(caller, user)
    return ImportOut(units=len(parsed.units), users=len(checked_users))


def _refused(errors: list[RowError]) -> HTTPException:
    errors.sort(key=lambda e: e.row)
    rows = len({e.row for e in errors})
    refusal = ImportRefusal(
        message=f"{rows} row(s) of the file are refused; nothing was imported.",
        message_vi=f"Có {rows} dòng lỗi trong tệp; danh bạ không thay đổi.",
        rows=errors,
    )
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=refusal.model_dump())


@dataclass
class _ParsedCsv:
    units: list[DirectoryUnit] = field(default_factory=list)
    users: list[tuple[int, str, UserIn]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _parse_csv(text: str) -> _ParsedCsv:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    required = {"kind", "id", "name"}
    missing = sorted(required - set(reader.fieldnames or []))
    parsed = _ParsedCsv()
    if missing:
        columns = ", ".join(missing)
        parsed.errors.append(
            RowError(
                row=1,
                field="header",
                message=f"missing column(s) {columns}",
                message_vi=f"thiếu cột {columns}",
            )
        )
        raise _refused(parsed.errors)
    for row_number, row in enumerate(reader, start=2):
        if row_number > MAX_CSV_ROWS:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "over 20000 rows")
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        found, errors = _parse_row(row_number, cells)
        parsed.errors.extend(errors)
        if isinstance(found, DirectoryUnit):
            parsed.units.append(found)
        elif found is not None:
            parsed.users.append((row_number, cells["id"], found))
    return parsed


_COLUMN_OF = {"full_name": "name"}
"""The CSV's column of a model's field, where they differ."""


def _parse_row(
    row_number: int, row: dict[str, str]
) -> tuple[DirectoryUnit | UserIn | None, list[RowError]]:
    """The row read as a unit or a user, or None and every error of the row."""
    errors = _id_errors(row_number, row.get("id", ""))
    active = row.get("active", "").lower() not in {"false", "0", "no", "khong"}
    kind = row.get("kind", "")
    found: DirectoryUnit | UserIn | None = None
    try:
        if kind == "unit":
            body = UnitIn(
                name=row.get("name", ""),
                parent_unit_id=row.get("parent_unit_id") or None,
                active=active,
            )
            found = DirectoryUnit("", row["id"], body.name, body.parent_unit_id, body.active)
        elif kind == "user":
            roles, role_errors = _roles(row_number, row.get("roles", ""))
            errors.extend(role_errors)
            found = UserIn(
                full_name=row.get("name", ""),
                position=row.get("position") or None,
                unit_id=row.get("unit_id") or None,
                email=row.get("email") or None,
                roles=roles,
                active=active,
            )
        else:
            errors.append(
                RowError(
                    row=row_number,
                    field="kind",
                    message=f"kind must be 'unit' or 'user', not {kind!r}",
                    message_vi=f'phải là "unit" hoặc "user", không phải "{kind}"',
                )
            )
    except ValidationError as error:
        errors.extend(_field_errors(row_number, error))
    return (None if errors else found), errors


def _roles(row_number: int, text: str) -> tuple[list[DirectoryRole], list[RowError]]:
    roles, errors = [], []
    known = ", ".join(r.value for r in DirectoryRole)
    for name in (r.strip() for r in text.split(";")):
        if not name:
            continue
        try:
            roles.append(DirectoryRole(name))
        except ValueError:
            errors.append(
                RowError(
                    row=row_number,
                    field="roles",
                    message=f"no role {name!r} (roles: {known})",
                    message_vi=f'không có vai trò "{name}" (các vai trò: {known})',
                )
            )
    return roles, errors


class _IdCheck(Strict):
    id: Id


def _id_errors(row_number: int, value: str) -> list[RowError]:
    try:
        _IdCheck(id=value)
    except ValidationError as error:
        return _field_errors(row_number, error)
    return []


_VIETNAMESE = {
    "missing": "bắt buộc nhập",
    "string_too_short": "bắt buộc nhập",
    "string_too_long": "dài quá {max_length} ký tự",
}
_PATTERN_VI = {
    "id": "chỉ gồm chữ không dấu, số và . _ : -, bắt đầu bằng chữ hoặc số",
    "unit_id": "chỉ gồm chữ không dấu, số và . _ : -, bắt đầu bằng chữ hoặc số",
    "parent_unit_id": "chỉ gồm chữ không dấu, số và . _ : -, bắt đầu bằng chữ hoặc số",
    "email": "không phải địa chỉ thư điện tử",
}


def _field_errors(row_number: int, error: ValidationError) -> list[RowError]:
    """Pydantic's errors of a row as its columns' errors, said in English and Vietnamese."""
    errors = []
    for problem in error.errors(include_url=False):
        column = _COLUMN_OF.get(str(problem["loc"][0]), str(problem["loc"][0]))
        if problem["type"] == "string_pattern_mismatch":
            vietnamese = _PATTERN_VI.get(column, "sai định dạng")
        else:
            template = _VIETNAMESE.get(problem["type"])
            vietnamese = template.format(**problem.get("ctx", {})) if template else problem["msg"]
        errors.append(
            RowError(row=row_number, field=column, message=problem["msg"], message_vi=vietnamese)
        )
    return errors
