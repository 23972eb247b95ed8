"""Events owned by archive, on topic ``archive.events``: records files and fixity of stored objects."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.values import (
    AgencyCode,
    Identifier,
    Instant,
    Note,
    ObjectKey,
    Person,
    ShortLabel,
    Subject,
)
from vanthu_contracts.registry import register_event

ARCHIVE_EVENTS_TOPIC = "archive.events"


@register_event
class RecordsFileDueForHandover(Event):
    """A closed records file (hồ sơ) must be handed to the agency archive within 30 days, or is late.

    ND 30 Appendix VI: the system warns 30 days before a file is due for hand-over (nộp lưu).
    """

    event_type: ClassVar[str] = "vanthu.archive.records-file.due-for-handover.v1"
    topic: ClassVar[str] = ARCHIVE_EVENTS_TOPIC

    file_id: Identifier
    agency_code: AgencyCode
    year: int = Field(ge=1900, le=9999)
    """FileCatalog: the year of the file plan."""
    notation: ShortLabel
    """FileNotation: số và ký hiệu hồ sơ."""
    title: Subject
    responsible_unit: Identifier
    retention: ShortLabel
    """Thời hạn bảo quản as written in the file plan, e.g. ``Vĩnh viễn`` or ``10 năm``."""
    closed_on: date
    handover_due_on: date
    alerted_at: Instant

    def subject(self) -> str:
        return self.file_id


@register_event
class DispositionApproved(Event):
    """Destruction of an expired records file was approved by someone other than its proposer."""

    event_type: ClassVar[str] = "vanthu.archive.disposition.approved.v1"
    topic: ClassVar[str] = ARCHIVE_EVENTS_TOPIC

    file_id: Identifier
    agency_code: AgencyCode
    notation: ShortLabel
    title: Subject
    retention: ShortLabel
    document_ids: tuple[Identifier, ...] = ()
    """What will be destroyed: the file's documents at the time of approval."""
    reason: Note
    proposed_by: Person
    approved_by: Person
    note: Note | None = None
    approved_at: Instant

    def subject(self) -> str:
        return self.file_id


@register_event
class FixityMismatchDetected(Event):
    """A stored object no longer has the bytes it was stored with, or is gone."""

    event_type: ClassVar[str] = "vanthu.archive.fixity.mismatch-detected.v1"
    topic: ClassVar[str] = ARCHIVE_EVENTS_TOPIC

    check_id: Identifier
    """The fixity run that found it."""
    object_key: ObjectKey
    agency_code: AgencyCode | None = None
    document_id: Identifier | None = None
    problem: ShortLabel
    """missing, checksum_mismatch or size_mismatch."""
    expected: Note
    found: Note
    checked_at: Instant

    def subject(self) -> str:
        return self.object_key
