"""Value types shared by the events of every owner.

Field meanings follow ND 30/2020 Appendix VI and edXML (QCVN 102:2016); names follow the glossary.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

# ---------------------------------------------------------------------------------------------
# Scalars


def format_instant(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``: milliseconds, or microseconds when they carry information."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime has no place on the wire; give it a time zone")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    timespec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return f"{utc.isoformat(timespec=timespec)}Z"


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
]
"""A moment in time with its offset; naive datetimes are refused, UTC on the wire."""

# QCVN 102:2016: V1V2V3.Z1Z2.Y1Y2.H49 (13 characters, level-1 code last, e.g. 000.00.00.G22).
# QĐ 20/2020/QĐ-TTg: at most 35 characters of 0-9, A-Z and dots, level-1 code first (e.g. G09.01).
AGENCY_CODE_PATTERN = (
    r"^(?:[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}|[A-Z][0-9]{2}(?:\.[0-9A-Z]+)*)$"
)
AGENCY_CODE_MAX_LENGTH = 35
_AGENCY_CODE = re.compile(AGENCY_CODE_PATTERN)
# The VDXP test environment's codes are lower-case (vxp.saas.03): dot-separated groups of 0-9/a-z
# with a letter. A production code written in lower case (000.00.00.h49, g09.01) is not one: it
# is a production code mis-spelt, and stays refused (ADR 0053 addendum).
TEST_ENVIRONMENT_AGENCY_CODE_PATTERN = (
    r"^(?![0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[a-z][0-9]{2}$|[a-z][0-9]{2}(?:\.[0-9a-z]+)*$)"
    r"(?=[0-9.]*[a-z])[0-9a-z]+(?:\.[0-9a-z]+)*$"
)
_TEST_ENVIRONMENT_AGENCY_CODE = re.compile(TEST_ENVIRONMENT_AGENCY_CODE_PATTERN)


def is_test_environment_agency_code(value: str) -> bool:
    """Whether ``value`` is a VDXP test-environment code (``vxp.saas.03``); which peers may use
    one is the exchange's to decide, per peer."""
    return (
        len(value) <= AGENCY_CODE_MAX_LENGTH
        and _TEST_ENVIRONMENT_AGENCY_CODE.match(value) is not None
    )


def is_agency_code(value: str) -> bool:
    """A production code of either standard, or a VDXP test-environment code."""
    if len(value) > AGENCY_CODE_MAX_LENGTH:
        return False
    return _AGENCY_CODE.match(value) is not None or is_test_environment_agency_code(value)


def _check_agency_code(value: str) -> str:
    if not is_agency_code(value):
        raise ValueError(
            f"{value!r} is not an agency identifier code; expected the QCVN 102:2016 form "
            "like 000.00.00.G22 or the QĐ 20/2020 form like G09.01 (upper case), or a VDXP "
            "test-environment code like vxp.saas.03"
        )
    return value


AgencyCode = Annotated[
    str,
    AfterValidator(_check_agency_code),
    WithJsonSchema(
        {
            "type": "string",
            "anyOf": [
                {"pattern": AGENCY_CODE_PATTERN},
                {"pattern": TEST_ENVIRONMENT_AGENCY_CODE_PATTERN},
            ],
            "maxLength": AGENCY_CODE_MAX_LENGTH,
            "description": (
                "Agency identifier code (mã định danh): QCVN 102:2016 form 000.00.00.G22 "
                "or QĐ 20/2020 form G09.01; or, for agencies testing on the VDXP test "
                "environment, its lower-case code vxp.saas.03"
            ),
            "examples": ["000.00.00.G22", "000.00.00.H49", "G09.01"],
        }
    ),
]
"""Mã định danh of an agency, kept as the opaque string the directory knows it by."""

Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"),
]
"""An id chosen by the system that owns the thing (document, task, file, user, unit, ...)."""

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""SHA-256 of a file's bytes, 64 lowercase hexadecimal digits."""

MediaType = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+/[a-z0-9.+-]+$", max_length=255)]
"""IANA media type without parameters, e.g. application/pdf."""

ObjectKey = Annotated[str, StringConstraints(pattern=r"^[^/\s][^\s]*$", max_length=1024)]
"""Key of an object in the blob store (MinIO), relative to its bucket."""

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]

DocumentCode = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""Mã định danh văn bản (edXML DocumentId), usually ``OrganId,yyyy/MM/dd,number/notation``."""

CodeNumber = Annotated[str, StringConstraints(min_length=1, max_length=11)]
"""Số of a document, as printed (``15``, ``05``); edXML CodeNumber."""

CodeNotation = Annotated[str, StringConstraints(pattern=r"^\S+$", max_length=30)]
"""Ký hiệu of a document, e.g. ``QĐ-BNV``; edXML CodeNotation."""

LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")]
"""BCP 47 language tag of a document's text, e.g. ``vi``."""

LegacyId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""Id a document had in the system it was migrated from, kept so old links resolve."""

CertificateSerial = Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{1,64}$")]


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length)


# Free text with the lengths ND 30 Appendix VI and edXML allow.
ShortLabel = Annotated[str, _text(30)]
PersonName = Annotated[str, _text(100)]
Position = Annotated[str, _text(100)]
TypeName = Annotated[str, _text(100)]
OrganName = Annotated[str, _text(200)]
FileName = Annotated[str, _text(255)]
Subject = Annotated[str, _text(500)]
"""Trích yếu: the one-line abstract of a document (edXML Subject)."""
Note = Annotated[str, _text(500)]
Opinion = Annotated[str, _text(4000)]
ContentSummary = Annotated[str, _text(2000)]
"""Tóm tắt nội dung: what a document says, beyond its trích yếu (edXML Content)."""


# ---------------------------------------------------------------------------------------------
# Enumerations


class Urgency(StrEnum):
    """Độ khẩn of a document: thường, khẩn, thượng khẩn, hỏa tốc."""

    NORMAL = "normal"
    URGENT = "urgent"
    VERY_URGENT = "very_urgent"
    FLASH = "flash"

    @property
    def label(self) -> str:
        return _URGENCY_LABELS[self]

    @property
    def edxml_priority(self) -> int:
        """edXML OtherInfo/Priority: 0 thường … 3 hỏa tốc."""
        return list(Urgency).index(self)


_URGENCY_LABELS = {
    Urgency.NORMAL: "Thường",
    Urgency.URGENT: "Khẩn",
    Urgency.VERY_URGENT: "Thượng khẩn",
    Urgency.FLASH: "Hỏa tốc",
}


class SteeringType(StrEnum):
    """Loại chỉ đạo of a document (edXML SteeringType): not a direction, a direction, or a
    report on one. edXML's code list is unpublished; the exchange maps these (ADR 0053)."""

    NOT_STEERING = "not_steering"
    STEERING = "steering"
    STEERING_REPORT = "steering_report"


class Confidentiality(StrEnum):
    """Độ mật of a document; anything above normal is a state secret and never exchanged."""

    NORMAL = "normal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"  # noqa: S105 (a secrecy level, not a password)
    TOP_SECRET = "top_secret"  # noqa: S105

    @property
    def label(self) -> str:
        return _CONFIDENTIALITY_LABELS[self]

    @property
    def may_be_exchanged(self) -> bool:
        """QĐ 28/2018 keeps state-secret documents off the electronic exchange."""
        return self is Confidentiality.NORMAL


_CONFIDENTIALITY_LABELS = {
    Confidentiality.NORMAL: "Thường",
    Confidentiality.CONFIDENTIAL: "Mật",
    Confidentiality.SECRET: "Tối mật",
    Confidentiality.TOP_SECRET: "Tuyệt mật",
}


class StatusCode(StrEnum):
    """Processing status of a document at a receiving agency (edXML status package)."""

    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    COMPLETED = "06"
    RECALL_REQUESTED = "13"
    RECALL_ACCEPTED = "15"
    RECALL_REFUSED = "16"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def sent_by_sender(self) -> bool:
        """Only the recall request travels from the sender to the receivers."""
        return self is StatusCode.RECALL_REQUESTED


_STATUS_LABELS = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REJECTED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.COMPLETED: "Hoàn thành",
    StatusCode.RECALL_REQUESTED: "Thu hồi",
    StatusCode.RECALL_ACCEPTED: "Đồng ý thu hồi, cập nhật",
    StatusCode.RECALL_REFUSED: "Từ chối thu hồi, cập nhật",
}


class BusinessType(StrEnum):
    """What an exchanged document does (edXML BussinessDocType 0..3)."""

    NEW = "new"
    REVOKE = "revoke"
    UPDATE = "update"
    REPLACE = "replace"

    @property
    def edxml_code(self) -> int:
        return list(BusinessType).index(self)

    @property
    def targets_earlier_document(self) -> bool:
        return self is not BusinessType.NEW


class Channel(StrEnum):
    """How a document entered the registry office."""

    PAPER = "paper"
    ELECTRONIC = "electronic"
    EXCHANGE = "exchange"
    MIGRATION = "migration"


class FileRole(StrEnum):
    """Why a file is attached to a document."""

    ORIGINAL = "original"
    ATTACHMENT = "attachment"
    OCR_DERIVATIVE = "ocr_derivative"
    EVIDENCE = "evidence"


class Register(StrEnum):
    """The yearly register a number was taken from."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    COPIES = "copies"
    """The copies the agency makes (sao y, sao lục, trích sao): one series of its own."""


class SignatureResult(StrEnum):
    """Outcome of checking the digital signatures inside a file."""

    VALID = "valid"
    INVALID = "invalid"
    UNTRUSTED = "untrusted"
    UNSIGNED = "unsigned"


class PackageSignature(StrEnum):
    """Outcome of checking the XML signature of an edXML package."""

    VALID = "valid"
    INVALID = "invalid"
    NONE = "none"


class TaskRole(StrEnum):
    """Part a unit or person plays in handling a document."""

    LEAD = "lead"
    COORDINATING = "coordinating"
    INFORMATION = "information"
    SPECIALIST = "specialist"


class DecisionKind(StrEnum):
    """What a recorded decision is about."""

    DIRECTION = "direction"
    REDIRECTION = "redirection"
    REASSIGNMENT = "reassignment"
    PROGRESS = "progress"
    COMPLETION = "completion"
    RETURN = "return"
    DRAFT_REVIEW = "draft_review"
    DRAFT_APPROVAL = "draft_approval"
    COMMENT = "comment"


class TransportState(StrEnum):
    """Where a package stands on its way to one recipient agency."""

    QUEUED = "queued"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


# ---------------------------------------------------------------------------------------------
# Value objects


class ValueObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class FileRef(ValueObject):
    """A file kept in the blob store, addressed by its content."""

    file_id: Identifier
    name: FileName
    """File name as shown to people."""
    media_type: MediaType
    size: int = Field(ge=0)
    """Size in bytes."""
    sha256: Sha256
    object_key: ObjectKey
    role: FileRole


class Attachment(ValueObject):
    """A file that came inside an edXML package, stored in the blob store on receipt."""

    object_key: ObjectKey
    name: FileName
    media_type: MediaType
    sha256: Sha256
    size: int = Field(ge=0)


class Person(ValueObject):
    """A user of the system, as shown in the record."""

    user_id: Identifier
    full_name: PersonName
    position: Position | None = None
    """Chức vụ, e.g. Phó Chánh Văn phòng."""


class Signer(ValueObject):
    """The person who signed a document (edXML SignerInfo)."""

    competence: Position | None = None
    """Signing authority, e.g. ``KT. BỘ TRƯỞNG`` or ``TL. BỘ TRƯỞNG``."""
    position: Position
    full_name: PersonName


class Issuer(ValueObject):
    """Cơ quan ban hành: the agency that issued a document."""

    name: OrganName
    agency_code: AgencyCode | None = None


class DocumentType(ValueObject):
    """Loại văn bản (ND 30 Art. 7); công văn has no abbreviation."""

    code: ShortLabel | None = None
    """Abbreviation used in the notation, e.g. ``QĐ``, ``TB``, ``KH``."""
    name: TypeName


class Recipient(ValueObject):
    """One entry of Nơi nhận: another agency, one of our units, or a free-text place."""

    name: OrganName
    agency_code: AgencyCode | None = None
    unit_id: Identifier | None = None

    @model_validator(mode="after")
    def _names_one_destination(self) -> Self:
        if self.agency_code is not None and self.unit_id is not None:
            raise ValueError("a recipient is either another agency or one of our units, not both")
        return self


class Assignee(ValueObject):
    """Who a task is given to: a unit, a person, or a person within a unit."""

    unit_id: Identifier | None = None
    user_id: Identifier | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if self.unit_id is None and self.user_id is None:
            raise ValueError("an assignee needs a unit_id or a user_id")
        return self


class Assignment(ValueObject):
    """One line of a direction: who handles the document, in what role, by when."""

    assignee: Assignee
    role: TaskRole
    due_date: date | None = None


class StaffInfo(ValueObject):
    """The person answerable for a status sent to another agency (edXML StaffInfo)."""

    department: OrganName
    name: PersonName
    email: Email | None = None
    phone: ShortLabel | None = None


class PageConfidence(ValueObject):
    """How sure the OCR engine was about one page."""

    number: int = Field(ge=1)
    confidence: float = Field(ge=0.0, le=1.0)


class CertificateSigner(ValueObject):
    """A signature found in a file, described by its certificate."""

    subject: Note
    """Distinguished name of the signing certificate."""
    issuer: Note
    """Distinguished name of the certificate authority."""
    serial_number: CertificateSerial | None = None
    signed_at: Instant | None = None


class ExchangeOrigin(ValueObject):
    """Where an exchanged incoming document came from."""

    package_id: Identifier
    sender_agency_code: AgencyCode
    document_code: DocumentCode
