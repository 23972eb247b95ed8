"""What the archive's routes answer, as pydantic models: the OpenAPI document describes every body
(the web app's types are generated from it), and a field a route does not declare never leaves
the service by accident.

Masking (ADR 0047) is decided before a model is filled: a withheld member is not in
`document_ids`, a masked action or fixity finding carries nulls; the models only say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _utc(value: Any) -> Any:
    # PyMongo hands back naive UTC datetimes; an answer always carries its zone.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Instant = Annotated[datetime, BeforeValidator(_utc)]


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- documents -----------------------------------------------------------------------------------


class DocumentTypeOut(_Out):
    code: str | None = None
    name: str | None = None


class IssuerOut(_Out):
    name: str | None = None
    agency_code: str | None = None


class VoidedOut(_Out):
    """The registration was cancelled (final)."""

    reason: str
    at: Instant
    by: str


class ArchivedDocumentOut(_Out):
    """A document as the archive lists it: the fields it is found by and its status."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "document_id": "in-2026-000123",
                    "agency_code": "000.00.00.G22",
                    "subject": "V/v tổng kết công tác văn thư năm 2026",
                    "notation": "15/BNV-VP",
                    "document_type": {"code": "CV", "name": "Công văn"},
                    "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
                    "issued_date": "2026-11-30",
                    "received_at": "2026-12-01T02:00:00Z",
                    "status": "in_progress",
                    "urgency": "urgent",
                    "confidentiality": "normal",
                    "direction": "incoming",
                    "voided": None,
                }
            ]
        },
    )

    document_id: str
    agency_code: str | None = None
    subject: str | None = None
    notation: str | None = None
    document_type: DocumentTypeOut | None = None
    issuer: IssuerOut | None = None
    issued_date: date | None = None
    received_at: Instant | None = None
    status: str | None = None
    """registered, issued, in_progress, completed, returned, voided, package_received"""
    urgency: str | None = None
    confidentiality: str | None = None
    direction: str | None = None
    """incoming, outgoing, or copy (a copy the agency made of a document, ADR 0055 addendum)"""
    voided: VoidedOut | None = None

    @classmethod
    def of(cls, shown: dict[str, Any], **extra: Any) -> Self:
        """From a record as `_public` shows it (its `_id` as `document_id`)."""
        return cls.model_validate({**shown, **extra})


class SearchHitOut(ArchivedDocumentOut):
    score: float | None = None
    """The BM25 rank of a text search (null without words)."""


class DocumentOut(ArchivedDocumentOut):
    """One document read by id, with who registered it and who is named to read it."""

    status_at: Instant | None = None
    registered_by: str | None = None
    readers: list[str] = Field(default_factory=list)
    related_ids: list[str] = Field(default_factory=list)
    """Other subjects of its history (the exchange package it came in)."""


class SearchPageOut(_Out):
    total: int
    total_is_exact: bool
    """false when not every candidate was read and `total` is extrapolated"""
    page: int
    page_size: int
    items: list[SearchHitOut]


class ActorOut(_Out):
    role: str
    """registered_by, decided_by, recorded_by, assigned_by, assignee, completed_by..."""
    user_id: str
    full_name: str | None = None


class TimelineEntryOut(_Out):
    event_id: str
    kind: str
    occurred_at: Instant
    summary: str
    actors: list[ActorOut]
    on_behalf: bool
    """entered by a secretary on the leader's behalf"""
    event_type: str
    details: dict[str, Any] = Field(default_factory=dict)


class TimelineOut(_Out):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "document_id": "in-2026-000123",
                    "entries": [
                        {
                            "event_id": "0b6c…",
                            "kind": "decided",
                            "occurred_at": "2026-12-01T03:00:00Z",
                            "summary": "Ý kiến direct của Nguyễn Văn An (nhập thay: Trần Thị Bình)",
                            "actors": [
                                {"role": "decided_by", "user_id": "lanhdao1", "full_name": "…"},
                                {"role": "recorded_by", "user_id": "thuky1", "full_name": "…"},
                            ],
                            "on_behalf": True,
                            "event_type": "vanthu.routing.decision.recorded.v1",
                            "details": {"decision_id": "d-1"},
                        }
                    ],
                }
            ]
        },
    )

    document_id: str
    entries: list[TimelineEntryOut]


# --- audit ---------------------------------------------------------------------------------------


class CheckpointOut(_Out):
    name: str
    bucket: str
    object_lock: bool
    """whether the bucket refuses to overwrite or delete it (write-once)"""


class BrokenRecordOut(_Out):
    topic: str
    partition: int
    offset: int
    kind: str
    description: str


class VerificationOut(_Out):
    agency_code: str
    intact: bool
    records_checked: int
    checkpoints_checked: int
    first_broken_record: BrokenRecordOut | None
    checkpoint_problems: list[str]


class ActionOut(_Out):
    occurred_at: Instant
    document_id: str | None
    """null when masked: a document the auditor may not see"""
    kind: str
    roles: list[str]
    summary: str | None
    on_behalf: bool
    masked: bool


class ActionsOut(_Out):
    user_id: str
    actions: list[ActionOut]


class FixityFindingOut(_Out):
    object_key: str | None
    """null when masked (the key names a document the caller may not see)"""
    document_id: str | None
    masked: bool
    problem: str
    expected: str
    found: str


class FixityOut(_Out):
    checked: int
    intact: bool
    findings: list[FixityFindingOut]


# --- file plans and records files ----------------------------------------------------------------


class FilePlanSavedOut(_Out):
    agency_code: str
    year: int
    entries: int
    """how many entries the saved plan holds"""


class PlanEntryOut(_Out):
    code: str
    title: str
    retention: str
    retention_years: int | None
    """null means permanent (vĩnh viễn)"""
    responsible_unit: str
    construction_project: bool


class FilePlanOut(_Out):
    agency_code: str
    year: int
    entries: list[PlanEntryOut]


class DispositionOut(_Out):
    state: str
    proposed_by: str
    reason: str
    decided_by: str | None
    decision_note: str | None


class RecordsFileOut(_Out):
    """A records file as this caller may see it: the documents they may not see are left out of
    `document_ids` and counted in `withheld_documents` (ADR 0047)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "file_id": "rf-2026-3f9a0c1d2e4b",
                    "agency_code": "000.00.00.G22",
                    "year": 2026,
                    "notation": "2026.VP.01",
                    "title": "Hồ sơ tổng kết công tác văn thư",
                    "retention": "10 năm",
                    "retention_years": 10,
                    "responsible_unit": "vp",
                    "status": "open",
                    "document_ids": ["in-2026-000123"],
                    "withheld_documents": 1,
                    "opened_on": "2026-12-01",
                    "closed_on": None,
                    "handover_due_on": None,
                    "retention_expires_on": None,
                    "handed_over_on": None,
                    "disposition": None,
                }
            ]
        },
    )

    file_id: str
    agency_code: str
    year: int
    notation: str
    title: str
    retention: str
    retention_years: int | None
    responsible_unit: str
    status: str
    document_ids: list[str]
    withheld_documents: int
    opened_on: date
    closed_on: date | None
    handover_due_on: date | None
    retention_expires_on: date | None
    handed_over_on: date | None
    disposition: DispositionOut | None


class FileMemberOut(ArchivedDocumentOut):
    ordinal: int
    """the document's order in the file"""


class RecordsFileDetailOut(RecordsFileOut):
    """A records file read by id, with the documents shown to the caller described."""

    members: list[FileMemberOut]
    """the documents of `document_ids`, in the file's order, as search lists them"""


class FiledDocumentOut(RecordsFileOut):
    ordinal: int
    """the document's order in the file"""


class RecordsFilesOut(_Out):
    items: list[RecordsFileOut]


ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The BagIt package, zipped (bag-<id>.zip).",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


# --- a document as of a moment -------------------------------------------------------------------


class ChainPositionOut(_Out):
    """A record's place in the hash chains: check it with `vanthu audit verify` or against a
    signed checkpoint."""

    topic: str
    partition: int
    offset: int
    hash: str
    """hex SHA-256 chain hash of the record"""
    recorded_at: Instant
    """its Kafka timestamp: when the archive's log took it"""


class ComputedFromOut(_Out):
    records_folded: int
    """how many archived records about the document were recorded by then"""
    last_record: ChainPositionOut | None
    """the one recorded last: the state is that of the chains up to it"""
    heads: list[ChainPositionOut]
    """the newest folded record of each topic-partition"""


class DocumentThenOut(_Out):
    """What its registration (or issue) said."""

    subject: str
    notation: str
    document_type: DocumentTypeOut
    issuer: IssuerOut
    issued_date: date
    received_at: Instant
    urgency: str
    confidentiality: str
    direction: str
    registered_by: str


class DecisionThenOut(_Out):
    decision_id: str
    kind: str
    decided_by: ActorOut
    recorded_by: ActorOut
    on_behalf: bool
    decided_at: Instant
    text: str | None


class TaskThenOut(_Out):
    task_id: str
    role: str
    """lead, coordinating, information..."""
    unit_id: str | None
    user_id: str | None
    assigned_by: str
    assigned_at: Instant
    due_date: date | None
    state: str
    """assigned, completed or returned, as known then"""
    closed_at: Instant | None


class DocumentStateOut(_Out):
    """A document as the archive knew it at `as_of`, folded from the event store."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "document_id": "in-2026-000123",
                    "as_of": "2026-12-01T03:30:00Z",
                    "known": True,
                    "document": {
                        "subject": "V/v tổng kết công tác văn thư năm 2026",
                        "notation": "15/BNV-VP",
                        "document_type": {"code": "CV", "name": "Công văn"},
                        "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
                        "issued_date": "2026-11-30",
                        "received_at": "2026-12-01T02:00:00Z",
                        "urgency": "urgent",
                        "confidentiality": "normal",
                        "direction": "incoming",
                        "registered_by": "vanthu1",
                    },
                    "status": "in_progress",
                    "status_at": "2026-12-01T03:05:00Z",
                    "voided": None,
                    "decisions": [],
                    "tasks": [],
                    "entries": [],
                    "computed_from": {
                        "records_folded": 3,
                        "last_record": {
                            "topic": "task.assigned",
                            "partition": 1,
                            "offset": 41,
                            "hash": "9f2c…",
                            "recorded_at": "2026-12-01T03:05:01Z",
                        },
                        "heads": [],
                    },
                }
            ]
        },
    )

    document_id: str
    as_of: Instant
    known: bool
    """false when the archive held no registration (or issue) of it by then"""
    document: DocumentThenOut | None
    status: str | None
    status_at: Instant | None
    voided: VoidedOut | None
    decisions: list[DecisionThenOut]
    tasks: list[TaskThenOut]
    entries: list[TimelineEntryOut]
    computed_from: ComputedFromOut


NDJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The agency's archived records of the period, one JSON object a line "
        "(vanthu-archive-export/1: a header, the records with their chain hashes, a signed "
        "trailer); check it offline with `python -m vanthu_archive verify-export FILE`.",
        "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class RecordsFileStateOut(_Out):
    """A records file as it stood at `as_of`: its newest revision written by then (ADR 0055),
    its members shown as the caller may see them today (ADR 0047)."""

    file_id: str
    as_of: Instant
    known: bool
    """false when the file had no revision by then (opened later, or before history was kept)"""
    revision: int | None
    """the revision it stood at (1 when opened; each change adds one)"""
    revised_at: Instant | None
    """when that revision was written"""
    file: RecordsFileOut | None
