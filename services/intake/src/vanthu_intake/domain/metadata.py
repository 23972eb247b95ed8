"""The metadata a clerk records for a document (ND 30/2020, Phụ lục VI Part II).

Field lengths follow Phụ lục VI (OrganName 200, Subject 500, Position 100, FullName 50,
Description 500, ToPlaces 1000, PageAmount 3 digits). Every error names its field; use
``describe_errors`` to turn a ``ValidationError`` into lines a person can act on.

"Today" (for "issued in the future") is Vietnam's date. Validation reads the clock unless the
caller passes ``validation_context(today)`` as pydantic's ``context``, as tests and replays do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from vanthu_intake.domain.agency_code import AgencyCode
from vanthu_intake.domain.document_types import DocumentType, parse_document_type
from vanthu_intake.domain.markings import (
    Confidentiality,
    SteeringType,
    Urgency,
    parse_confidentiality,
    parse_steering_type,
    parse_urgency,
)
from vanthu_intake.domain.notation import (
    Notation,
    build_outgoing_notation,
    parse_notation,
    validate_abbreviation,
    validate_code_notation,
    validate_code_number,
)
from vanthu_intake.domain.vietnam_time import vietnam_today
from vanthu_intake.domain.vietnamese_text import collapse_whitespace, to_nfc

TODAY = "today"
"""Key of the validation context entry that fixes Vietnam's "today"."""

MAX_PAGE_COUNT = 999
MAX_TO_PLACES_LENGTH = 1000

_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def validation_context(today: date) -> dict[str, Any]:
    """The pydantic ``context`` that makes validation use ``today`` instead of the clock."""
    return {TODAY: today}


def _one_line(value: object) -> object:
    # Subjects and names are often pasted from PDFs with line breaks and double spaces.
    return collapse_whitespace(to_nfc(value)) if isinstance(value, str) else value


def _multi_line(value: object) -> object:
    return to_nfc(value).strip() if isinstance(value, str) else value


def _bounded(max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        if len(value) > max_length:
            raise ValueError(f"is {len(value)} characters long; at most {max_length} are allowed")
        return value

    return check


def _identifier(value: str) -> str:
    if any(char.isspace() for char in value):
        raise ValueError(f"{value!r} must not contain spaces")
    return value


def _language(value: str) -> str:
    if len(value) > 30 or not _LANGUAGE.fullmatch(value):
        raise ValueError(f"{value!r} is not a language code such as 'vi' or 'en'")
    return value


def _parsed_with(parse: Callable[[str], object]) -> Callable[[object], object]:
    def before(value: object) -> object:
        return parse(value) if isinstance(value, str) else value

    return before


OrganName = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(200))]
Subject = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(500))]
Position = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(100))]
FullName = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(50))]
Place = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(MAX_TO_PLACES_LENGTH))]
Notes = Annotated[str, BeforeValidator(_multi_line), AfterValidator(_bounded(500))]
Identifier = Annotated[
    str, BeforeValidator(_one_line), AfterValidator(_bounded(200)), AfterValidator(_identifier)
]
Language = Annotated[str, BeforeValidator(_one_line), AfterValidator(_language)]
CodeNumber = Annotated[str, AfterValidator(validate_code_number)]
CodeNotation = Annotated[str, AfterValidator(validate_code_notation)]
Abbreviation = Annotated[str, AfterValidator(validate_abbreviation)]
DocumentTypeField = Annotated[DocumentType, BeforeValidator(_parsed_with(parse_document_type))]
UrgencyField = Annotated[Urgency, BeforeValidator(_parsed_with(parse_urgency))]
ConfidentialityField = Annotated[
    Confidentiality, BeforeValidator(_parsed_with(parse_confidentiality))
]
PageCount = Annotated[int, Field(ge=1, le=MAX_PAGE_COUNT)]
Content = Annotated[str, BeforeValidator(_multi_line), AfterValidator(_bounded(2000))]
TyperNotation = Annotated[str, BeforeValidator(_one_line), AfterValidator(_bounded(30))]
SteeringTypeField = Annotated[SteeringType, BeforeValidator(_parsed_with(parse_steering_type))]


class Channel(StrEnum):
    """How the document reached the registry office."""

    PAPER = "paper"
    ELECTRONIC = "electronic"
    EXCHANGE = "exchange"
    MIGRATION = "migration"


class _ValueObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object, info: ValidationInfo) -> object:
        # An empty form field or CSV cell means "not given" for optional fields; required fields
        # then report "must not be empty" through their own checks.
        field = cls.model_fields[info.field_name] if info.field_name else None
        if isinstance(value, str) and not value.strip() and field and not field.is_required():
            return field.get_default(call_default_factory=True)
        return value


class Issuer(_ValueObject):
    """Cơ quan ban hành (edXML ``From``)."""

    name: OrganName
    agency_code: AgencyCode | None = None
    """Mã định danh, when the issuer has one (always for documents from the exchange)."""


class Signer(_ValueObject):
    """Người ký (edXML ``SignerInfo``)."""

    competence: Position | None = None
    """Signing authority as written above the title, e.g. "KT. BỘ TRƯỞNG", "TL. CHỦ TỊCH"."""
    position: Position
    full_name: FullName


class IncomingDocumentMetadata(_ValueObject):
    """What is recorded when registering an incoming document (văn bản đến)."""

    channel: Channel
    issuer: Issuer
    document_type: DocumentTypeField
    code_number: CodeNumber
    """Số, as written on the document (``15``, ``05``)."""
    code_notation: CodeNotation
    """Ký hiệu, what follows the number (``QĐ-BNV``)."""
    issued_date: date
    subject: Subject
    """Trích yếu."""
    page_count: PageCount
    signer: Signer
    urgency: UrgencyField = Urgency.NORMAL
    confidentiality: ConfidentialityField = Confidentiality.NORMAL
    allowed_user_ids: tuple[Identifier, ...] = Field(default=(), validate_default=True)
    """The people allowed to see a confidential document; required unless it is normal."""
    due_date: date | None = None
    """Hạn xử lý."""
    recipients: tuple[Place, ...] = ()
    """ToPlaces: the units or people it is addressed to, as free text."""
    language: Language = "vi"
    notes: Notes | None = None
    content: Content | None = None
    """Tóm tắt nội dung, beyond the trích yếu (edXML ``Content``)."""
    steering_type: SteeringTypeField | None = None
    """Loại chỉ đạo (edXML ``SteeringType``): not_steering, steering, steering_report."""
    sphere_of_promulgation: OrganName | None = None
    """Phạm vi lưu hành, e.g. "Lưu hành nội bộ" (edXML ``SphereOfPromulgation``)."""
    typer_notation: TyperNotation | None = None
    """Ký hiệu người soạn thảo, e.g. "NVA" (edXML ``TyperNotation``)."""

    @property
    def notation(self) -> Notation:
        return parse_notation(f"{self.code_number}/{self.code_notation}")

    @field_validator("issued_date")
    @classmethod
    def _not_in_the_future(cls, value: date, info: ValidationInfo) -> date:
        today = _today(info)
        if value > today:
            raise ValueError(
                f"{value.isoformat()} is in the future (today is {today.isoformat()} in Vietnam)"
            )
        return value

    @field_validator("confidentiality")
    @classmethod
    def _secrets_never_come_over_the_exchange(
        cls, value: Confidentiality, info: ValidationInfo
    ) -> Confidentiality:
        # QĐ 28/2018 excludes state secrets from electronic exchange between agencies.
        if value.is_state_secret and info.data.get("channel") is Channel.EXCHANGE:
            raise ValueError(
                f"a {value.vietnamese_name} document cannot be received over the exchange; "
                "state secrets travel on paper"
            )
        return value

    @field_validator("allowed_user_ids")
    @classmethod
    def _readers_match_confidentiality(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        return _check_readers(value, info)

    @field_validator("due_date")
    @classmethod
    def _due_after_issue(cls, value: date | None, info: ValidationInfo) -> date | None:
        issued = info.data.get("issued_date")
        if value is not None and isinstance(issued, date) and value < issued:
            raise ValueError(f"{value.isoformat()} is before the issue date {issued.isoformat()}")
        return value

    @field_validator("recipients")
    @classmethod
    def _to_places_fit(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_to_places(value)


class OutgoingRecipient(_ValueObject):
    """Who an outgoing document goes to: a unit of this agency or another agency."""

    unit_id: Identifier | None = None
    agency_code: AgencyCode | None = None
    name: OrganName

    @model_validator(mode="after")
    def _exactly_one_address(self) -> OutgoingRecipient:
        if (self.unit_id is None) == (self.agency_code is None):
            raise ValueError(
                "give either unit_id (a unit of this agency) or agency_code (another agency), "
                "exactly one of them"
            )
        return self


class OutgoingDocumentMetadata(_ValueObject):
    """What is recorded for a signed document the agency issues (văn bản đi)."""

    document_type: DocumentTypeField
    subject: Subject
    signer: Signer
    recipients: tuple[OutgoingRecipient, ...]
    reply_to: tuple[Identifier, ...] = ()
    """Ids of the incoming documents this one answers."""
    drafting_unit_abbreviation: Abbreviation | None = Field(default=None, validate_default=True)
    """Needed for a công văn's notation (``UBND-VX``); on other types only for the "Lưu:" line."""
    urgency: UrgencyField = Urgency.NORMAL
    confidentiality: ConfidentialityField = Confidentiality.NORMAL
    allowed_user_ids: tuple[Identifier, ...] = Field(default=(), validate_default=True)
    due_date: date | None = None
    """The deadline given to recipients for a reply."""
    page_count: PageCount | None = None
    language: Language = "vi"
    notes: Notes | None = None
    content: Content | None = None
    """Tóm tắt nội dung, beyond the trích yếu (edXML ``Content``)."""
    steering_type: SteeringTypeField | None = None
    """Loại chỉ đạo (edXML ``SteeringType``): not_steering, steering, steering_report."""
    sphere_of_promulgation: OrganName | None = None
    """Phạm vi lưu hành, e.g. "Lưu hành nội bộ" (edXML ``SphereOfPromulgation``)."""
    typer_notation: TyperNotation | None = None
    """Ký hiệu người soạn thảo, e.g. "NVA" (edXML ``TyperNotation``)."""

    def notation(self, number: int, agency_abbreviation: str) -> Notation:
        """The số/ký hiệu once the register has given ``number``."""
        unit = self.drafting_unit_abbreviation if self.document_type.abbreviation is None else None
        return build_outgoing_notation(number, self.document_type, agency_abbreviation, unit)

    @field_validator("recipients")
    @classmethod
    def _someone_receives_it(
        cls, value: tuple[OutgoingRecipient, ...]
    ) -> tuple[OutgoingRecipient, ...]:
        if not value:
            raise ValueError("an outgoing document needs at least one recipient")
        addresses = [recipient.unit_id or recipient.agency_code for recipient in value]
        _reject_repeats(addresses, "recipient")
        return value

    @field_validator("reply_to")
    @classmethod
    def _each_answered_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _reject_repeats(value, "document")
        return value

    @field_validator("drafting_unit_abbreviation")
    @classmethod
    def _official_letters_name_their_unit(
        cls, value: str | None, info: ValidationInfo
    ) -> str | None:
        document_type = info.data.get("document_type")
        if (
            value is None
            and isinstance(document_type, DocumentType)
            and document_type.abbreviation is None
        ):
            raise ValueError(
                f"a {document_type.vietnamese_name} is numbered <agency>-<drafting unit> "
                "(e.g. 12/UBND-VX): give the drafting unit's abbreviation"
            )
        return value

    @field_validator("allowed_user_ids")
    @classmethod
    def _readers_match_confidentiality(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        return _check_readers(value, info)


def describe_errors(
    error: ValidationError, field_name: Callable[[tuple[str | int, ...]], str] | None = None
) -> list[str]:
    """One line per problem, led by the field: ``signer.full_name: must not be empty``.

    ``field_name`` turns pydantic's location into the name the reader knows (a CSV column, say);
    by default it is the dotted path.
    """
    name = field_name or _dotted_path
    return [_describe(detail, name) for detail in error.errors(include_url=False)]


def _dotted_path(location: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in location) or "record"


def _describe(detail: ErrorDetails, field_name: Callable[[tuple[str | int, ...]], str]) -> str:
    where = field_name(tuple(detail["loc"]))
    kind = detail["type"]
    raised = detail.get("ctx", {}).get("error")
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "is not a known field (check the spelling)"
    elif kind == "value_error" and raised is not None:
        # Our own checks word their messages for people; pydantic would prefix "Value error, ".
        message = str(raised)
    else:
        message = detail["msg"]
    return f"{where}: {message}"


def _today(info: ValidationInfo) -> date:
    context = info.context
    today = context.get(TODAY) if isinstance(context, dict) else None
    return today if isinstance(today, date) else vietnam_today()


def _check_readers(value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    confidentiality = info.data.get("confidentiality")
    if not isinstance(confidentiality, Confidentiality):
        return value
    if confidentiality.is_state_secret and not value:
        raise ValueError(
            f"a {confidentiality.vietnamese_name} document must name the people allowed to see it"
        )
    if not confidentiality.is_state_secret and value:
        raise ValueError(
            "only confidential documents carry a list of readers; "
            "set confidentiality or leave allowed_user_ids empty"
        )
    _reject_repeats(value, "user")
    return value


def _check_to_places(value: tuple[str, ...]) -> tuple[str, ...]:
    total = len("; ".join(value))
    if total > MAX_TO_PLACES_LENGTH:
        raise ValueError(
            f"the recipients take {total} characters together; "
            f"at most {MAX_TO_PLACES_LENGTH} are allowed"
        )
    return value


def _reject_repeats(values: Iterable[object], what: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"the same {what} is listed twice: {value}")
        seen.add(value)
