"""What each event of the other services means for a document's history and its search record.

Every contract event becomes one ``TimelineEntry`` (who did what to which document, when, and on
whose behalf) and one ``DocumentFacts`` (what the search record learns: descriptive fields with
the readers of a confidential document, a status, the units and people given tasks on it).
Events arrive from several topics in no guaranteed order, so facts are written as merges: a
status carries the time it was reached and only a newer one replaces it; task holders are only
ever added.

Who sees a confidential document is the readers named at registration and its clerk (ADR 0006),
not whoever an event names; who lists a normal one depends on the tasks (ADR 0008: a unit that
worked on a document keeps seeing it, even after its task was withdrawn).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vanthu_archive.domain.bagit_package import VIETNAM_TIME, Addressee, DocumentMetadata
from vanthu_archive.domain.textsearch import SearchableDocument
from vanthu_contracts import (
    DecisionRecorded,
    DeliveryStatusChanged,
    DocumentDigitized,
    DocumentReceived,
    DocumentVoided,
    Envelope,
    Event,
    OutgoingDocumentIssued,
    PackageReceived,
    ProcessingStatusReceived,
    SendDocumentRequested,
    SendStatusRequested,
    SignatureVerified,
    TaskAssigned,
    TaskCompleted,
    TaskProgressReported,
    TaskReturned,
)
from vanthu_contracts.events.intake import CopyIssued, CopyKind
from vanthu_contracts.events.routing import TaskUrged, UrgingKind
from vanthu_contracts.events.values import FileRef, Person, Register, TaskRole


class DocumentStatus:
    REGISTERED = "registered"
    ISSUED = "issued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    RETURNED = "returned"
    VOIDED = "voided"
    RECEIVED_PACKAGE = "package_received"


@dataclass(frozen=True, slots=True)
class Actor:
    role: str
    """What the person did: registered_by, decided_by, recorded_by, assigned_by, assignee..."""
    user_id: str
    full_name: str = ""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    event_id: str
    event_type: str
    document_id: str
    agency_code: str | None
    kind: str
    occurred_at: datetime
    summary: str
    actors: tuple[Actor, ...] = ()
    on_behalf: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_ids(self) -> list[str]:
        return sorted({actor.user_id for actor in self.actors})


@dataclass(frozen=True, slots=True)
class Descriptive:
    """The fields a document is found by, from its registration or its issue."""

    subject: str
    notation: str
    document_type_code: str | None
    document_type_name: str
    issuer_name: str
    issuer_code: str | None
    issued_date: date
    received_at: datetime
    urgency: str
    confidentiality: str
    direction: str
    """incoming, outgoing or copy"""
    registered_by: str = ""
    """The clerk who registered or issued it: sees it whatever its confidentiality (ADR 0006)."""
    readers: tuple[str, ...] = ()
    """The user ids named to read a confidential document (`DocumentReceived` v2)."""

    def searchable(self, body: str) -> SearchableDocument:
        return SearchableDocument(
            subject=self.subject,
            notation=self.notation,
            document_type=self.document_type_name,
            issuer=self.issuer_name,
            body=body,
        )


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file an event says was stored, with the checksum it was stored under (for fixity)."""

    object_key: str
    sha256: str
    size: int
    name: str
    media_type: str
    role: str
    file_id: str


def _stored_files(files: Iterable[FileRef]) -> tuple[StoredFile, ...]:
    return tuple(
        StoredFile(f.object_key, f.sha256, f.size, f.name, f.media_type, f.role.value, f.file_id)
        for f in files
    )


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    document_id: str
    agency_code: str | None
    descriptive: Descriptive | None = None
    status: str | None = None
    status_at: datetime | None = None
    task_unit_ids: tuple[str, ...] = ()
    """Units given a task on the document (lead, coordinating, for information...)."""
    task_user_ids: tuple[str, ...] = ()
    """People given a task on it themselves."""
    information_unit_ids: tuple[str, ...] = ()
    """Units given it for information (their specialists see it too, ADR 0008)."""
    text_ref: str | None = None
    """Blob key of OCR text to fetch and index."""
    related_ids: tuple[str, ...] = ()
    """Other subjects whose timeline belongs to this document (the exchange package it came in)."""
    files: tuple[StoredFile, ...] = ()
    voided: Voiding | None = None


@dataclass(frozen=True, slots=True)
class Voiding:
    """The registration was cancelled: final, whatever task events arrive after it."""

    reason: str
    voided_at: datetime
    voided_by: str


@dataclass(frozen=True, slots=True)
class HistoryItem:
    entry: TimelineEntry
    facts: DocumentFacts


def history_of(envelope: Envelope, event: Event) -> HistoryItem | None:
    """The timeline entry and document facts of one decoded event; None for unknown kinds."""
    reader = _READERS.get(type(event))
    if reader is None:
        return None
    return reader(envelope, event)


def _person(role: str, person: Person) -> Actor:
    return Actor(role, person.user_id, person.full_name)


def _notation(number: str | None, notation: str | None) -> str:
    return "/".join(part for part in (number, notation) if part)


def _entry(envelope: Envelope, event: Event, document_id: str, **fields: Any) -> TimelineEntry:
    return TimelineEntry(
        event_id=envelope.id,
        event_type=envelope.type,
        document_id=document_id,
        agency_code=getattr(event, "agency_code", None),
        **fields,
    )


def _received(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, DocumentReceived)
    notation = _notation(event.code_number, event.code_notation)
    descriptive = Descriptive(
        subject=event.abstract,
        notation=notation,
        document_type_code=event.document_type.code,
        document_type_name=event.document_type.name,
        issuer_name=event.issuer.name,
        issuer_code=event.issuer.agency_code,
        issued_date=event.issued_date,
        received_at=event.received_at,
        urgency=event.urgency.value,
        confidentiality=event.confidentiality.value,
        direction="incoming",
        registered_by=event.registered_by.user_id,
        readers=tuple(event.readers),
    )
    actor = _person("registered_by", event.registered_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="registered",
        occurred_at=event.received_at,
        summary=f"Vào sổ văn bản đến số {event.arrival_number}/{event.arrival_year}: {notation}",
        actors=(actor,),
        details={"arrival_number": event.arrival_number, "channel": event.channel.value},
    )
    related = (event.exchange.package_id,) if event.exchange is not None else ()
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        descriptive=descriptive,
        status=DocumentStatus.REGISTERED,
        status_at=event.received_at,
        related_ids=related,
        files=_stored_files(event.files),
    )
    return HistoryItem(entry, facts)


def _issued(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, OutgoingDocumentIssued)
    notation = _notation(event.code_number, event.code_notation)
    descriptive = Descriptive(
        subject=event.abstract,
        notation=notation,
        document_type_code=event.document_type.code,
        document_type_name=event.document_type.name,
        issuer_name=event.signer.full_name,
        issuer_code=event.agency_code,
        issued_date=event.issued_date,
        received_at=event.issued_at,
        urgency=event.urgency.value,
        confidentiality=event.confidentiality.value,
        direction="outgoing",
        registered_by=event.registered_by.user_id,
    )
    actor = _person("registered_by", event.registered_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="issued",
        occurred_at=event.issued_at,
        summary=f"Phát hành văn bản {notation}, ký: {event.signer.full_name}",
        actors=(actor,),
        details={"recipients": [r.name for r in event.recipients]},
    )
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        descriptive=descriptive,
        status=DocumentStatus.ISSUED,
        status_at=event.issued_at,
        files=_stored_files(event.files),
    )
    return HistoryItem(entry, facts)


def _digitized(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, DocumentDigitized)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="digitized",
        occurred_at=event.digitized_at,
        summary=f"Số hóa tệp {event.file_id} ({len(event.pages)} trang)",
        details={"needs_review": event.needs_review},
    )
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        text_ref=event.text_ref,
        files=_stored_files([event.derivative_file]),
    )
    return HistoryItem(entry, facts)


def _signature(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, SignatureVerified)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="signature_checked",
        occurred_at=event.checked_at,
        summary=f"Kiểm tra chữ ký số tệp {event.file_id}: {event.result.value}",
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


def _voided(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, DocumentVoided)
    actor = _person("voided_by", event.voided_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="voided",
        occurred_at=event.voided_at,
        summary=f"Hủy đăng ký số {event.number}/{event.year}: {event.reason}",
        actors=(actor,),
    )
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        status=DocumentStatus.VOIDED,
        status_at=event.voided_at,
        voided=Voiding(event.reason, event.voided_at, event.voided_by.full_name),
    )
    return HistoryItem(entry, facts)


def _decided(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, DecisionRecorded)
    actors = [_person("decided_by", event.decided_by)]
    if event.on_behalf:
        actors.append(_person("recorded_by", event.recorded_by))
    who = event.decided_by.full_name
    if event.on_behalf:
        who += f" (nhập thay: {event.recorded_by.full_name})"
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="decided",
        occurred_at=event.decided_at,
        summary=f"Ý kiến {event.kind.value} của {who}" + (f": {event.text}" if event.text else ""),
        actors=tuple(actors),
        on_behalf=event.on_behalf,
        details={"decision_id": event.decision_id, "recorded_at": event.recorded_at.isoformat()},
    )
    slip = (event.evidence_file,) if event.evidence_file is not None else ()
    facts = DocumentFacts(event.document_id, event.agency_code, files=_stored_files(slip))
    return HistoryItem(entry, facts)


def _assigned(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, TaskAssigned)
    actors = [_person("assigned_by", event.assigned_by)]
    if event.assignee.user_id:
        actors.append(Actor("assignee", event.assignee.user_id))
    target = event.assignee.user_id or event.assignee.unit_id or "?"
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="assigned",
        occurred_at=event.assigned_at,
        summary=f"Giao {event.role.value} cho {target}",
        actors=tuple(actors),
        details={"task_id": event.task_id, "decision_id": event.decision_id},
    )
    unit, user = event.assignee.unit_id, event.assignee.user_id
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        status=DocumentStatus.IN_PROGRESS,
        status_at=event.assigned_at,
        task_unit_ids=(unit,) if unit else (),
        task_user_ids=(user,) if user else (),
        information_unit_ids=(unit,) if unit and event.role is TaskRole.INFORMATION else (),
    )
    return HistoryItem(entry, facts)


def _progress(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, TaskProgressReported)
    actor = _person("reported_by", event.reported_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="progress",
        occurred_at=event.reported_at,
        summary=f"Báo cáo tiến độ: {event.text}",
        actors=(actor,),
        details={"task_id": event.task_id},
    )
    files = _stored_files(event.files)
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code, files=files))


def _completed(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, TaskCompleted)
    actor = _person("completed_by", event.completed_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="completed",
        occurred_at=event.completed_at,
        summary="Hoàn thành nhiệm vụ" + (f": {event.summary}" if event.summary else ""),
        actors=(actor,),
        details={"task_id": event.task_id},
    )
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        status=DocumentStatus.COMPLETED,
        status_at=event.completed_at,
        files=_stored_files(event.files),
    )
    return HistoryItem(entry, facts)


def _returned(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, TaskReturned)
    actor = _person("returned_by", event.returned_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="returned",
        occurred_at=event.returned_at,
        summary=f"Trả lại nhiệm vụ: {event.reason}",
        actors=(actor,),
        details={"task_id": event.task_id},
    )
    facts = DocumentFacts(
        event.document_id,
        event.agency_code,
        status=DocumentStatus.RETURNED,
        status_at=event.returned_at,
    )
    return HistoryItem(entry, facts)


_URGING_LABELS = {
    UrgingKind.REMINDER: "Nhắc nhở",
    UrgingKind.REPRIMAND: "Phê bình",
    UrgingKind.DISCIPLINARY_REVIEW: "Kiểm điểm",
}


def _urged(envelope: Envelope, event: Event) -> HistoryItem:
    """Đôn đốc: who pressed whom, how hard, the how-manyth time; the task is unchanged."""
    assert isinstance(event, TaskUrged)
    # Only who urged acted: the people told are named in the details, not as actors, so the
    # auditor's "what one person did" does not count being urged as doing.
    actors = (_person("urged_by", event.urged_by),)
    target = event.assignee.user_id or event.assignee.unit_id or "?"
    summary = f"{_URGING_LABELS[event.kind]} (lần {event.sequence}) {target}"
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="urged",
        occurred_at=event.urged_at,
        summary=summary + (f": {event.note}" if event.note else ""),
        actors=actors,
        details={
            "task_id": event.task_id,
            "urging": event.kind.value,
            "sequence": event.sequence,
            "told_user_ids": list(event.notify_user_ids),
        },
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


_COPY_LABELS = {
    CopyKind.SAO_Y: "Sao y",
    CopyKind.SAO_LUC: "Sao lục",
    CopyKind.TRICH_SAO: "Trích sao",
    CopyKind.CONVERSION: "Chuyển đổi sang bản điện tử",
}


def _copied(envelope: Envelope, event: Event) -> HistoryItem:
    """A copy was made of a document: on the source's timeline (which copy, who signed it, who
    sealed it), and the copy a document of its own in search, its file kept for fixity, its
    timeline that of its source, seen by whoever may see the source (ADR 0055 addendum)."""
    assert isinstance(event, CopyIssued)
    notation = _notation(event.code_number, event.code_notation)
    summary = _COPY_LABELS[event.kind] + (f" số {notation}" if notation else "")
    if event.pages:
        summary += f" (trang {', '.join(str(page) for page in event.pages)})"
    actors = [_person("sealed_by", event.sealed_by)]
    if event.signer is not None:
        summary += f", ký: {event.signer.full_name}"
    if event.signed_by is not None:
        actors.insert(0, _person("signed_by", event.signed_by))
    summary += f", {'ký số' if event.kind is CopyKind.CONVERSION else 'đóng dấu'}: "
    summary += event.sealed_by.full_name
    entry = _entry(
        envelope,
        event,
        event.source_document_id,
        kind="copied",
        occurred_at=event.issued_at,
        summary=summary,
        actors=tuple(actors),
        details={
            "copy_id": event.copy_id,
            "copy": event.kind.value,
            "notation": notation,
            "pages": list(event.pages),
        },
    )
    descriptive = Descriptive(
        subject=event.abstract,
        notation=notation,
        document_type_code=event.document_type.code,
        document_type_name=event.document_type.name,
        issuer_name=event.signer.full_name if event.signer else event.sealed_by.full_name,
        issuer_code=event.agency_code,
        issued_date=event.issued_date,
        received_at=event.issued_at,
        urgency="normal",
        confidentiality=event.confidentiality.value,
        direction="copy",
        registered_by=event.sealed_by.user_id,
        readers=tuple(event.readers),
    )
    facts = DocumentFacts(
        event.copy_id,
        event.agency_code,
        descriptive=descriptive,
        status=DocumentStatus.ISSUED,
        status_at=event.issued_at,
        related_ids=(event.source_document_id,),
        files=_stored_files([event.file]),
    )
    return HistoryItem(entry, facts)


def _send_requested(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, SendDocumentRequested)
    actor = _person("requested_by", event.requested_by)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="exchange_requested",
        occurred_at=event.requested_at,
        summary=f"Gửi liên thông ({event.business_type.value}) tới {', '.join(event.recipients)}",
        actors=(actor,),
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


def _status_requested(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, SendStatusRequested)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="status_sent",
        occurred_at=event.requested_at,
        summary=f"Báo trạng thái {event.status_code.value} ({event.status_code.label}) "
        f"cho {event.to_agency_code}",
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


def _package(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, PackageReceived)
    entry = _entry(
        envelope,
        event,
        event.package_id,
        kind="exchanged_in",
        occurred_at=event.received_at,
        summary=f"Nhận gói tin liên thông {event.document_code} từ {event.from_agency_code}",
    )
    return HistoryItem(entry, DocumentFacts(event.package_id, event.agency_code))


def _delivery(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, DeliveryStatusChanged)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="exchanged_out",
        occurred_at=event.changed_at,
        summary=f"Gửi tới {event.recipient_agency_code}: {event.transport.value} "
        f"(lần {event.attempt})",
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


def _processing(envelope: Envelope, event: Event) -> HistoryItem:
    assert isinstance(event, ProcessingStatusReceived)
    entry = _entry(
        envelope,
        event,
        event.document_id,
        kind="status_received",
        occurred_at=event.reported_at,
        summary=f"{event.from_agency_code} báo: {event.status_code.label}",
    )
    return HistoryItem(entry, DocumentFacts(event.document_id, event.agency_code))


_READERS: dict[type[Event], Callable[[Envelope, Event], HistoryItem]] = {
    DocumentReceived: _received,
    OutgoingDocumentIssued: _issued,
    DocumentDigitized: _digitized,
    SignatureVerified: _signature,
    DocumentVoided: _voided,
    DecisionRecorded: _decided,
    TaskAssigned: _assigned,
    TaskProgressReported: _progress,
    TaskCompleted: _completed,
    TaskReturned: _returned,
    TaskUrged: _urged,
    CopyIssued: _copied,
    SendDocumentRequested: _send_requested,
    SendStatusRequested: _status_requested,
    PackageReceived: _package,
    DeliveryStatusChanged: _delivery,
    ProcessingStatusReceived: _processing,
}


def filed_entry(
    *,
    event_id: str,
    document_id: str,
    agency_code: str,
    notation: str,
    ordinal: int,
    filed_by: str,
    filed_at: datetime,
) -> TimelineEntry:
    """The archive's own step in a document's history: it was put into a records file."""
    return TimelineEntry(
        event_id=event_id,
        event_type="vanthu.archive.document.filed",
        document_id=document_id,
        agency_code=agency_code,
        kind="filed",
        occurred_at=filed_at,
        summary=f"Lập hồ sơ: {notation}, thứ tự {ordinal}",
        actors=(Actor("filed_by", filed_by),),
    )


def package_metadata(event: Event) -> DocumentMetadata | None:
    """ND 30 Appendix VI metadata of a document, from the event that registered or issued it."""
    if isinstance(event, DocumentReceived):
        return DocumentMetadata(
            document_id=event.document_id,
            agency_code=event.agency_code,
            register=Register.INCOMING,
            type_name=event.document_type.name,
            organ_name=event.issuer.name,
            subject=event.abstract,
            document_code=event.exchange.document_code if event.exchange else None,
            code_number=event.code_number,
            code_notation=event.code_notation,
            issued_date=event.issued_date,
            page_amount=event.page_count,
            description=event.description,
            signer_position=event.signer.position if event.signer else None,
            signer_full_name=event.signer.full_name if event.signer else None,
            urgency=event.urgency,
            confidentiality=event.confidentiality,
            due_date=event.due_date,
            addressees=tuple(Addressee(place) for place in event.to_places),
            arrival_date=event.received_at.astimezone(VIETNAM_TIME).date(),
            arrival_number=event.arrival_number,
        )
    if isinstance(event, OutgoingDocumentIssued):
        return DocumentMetadata(
            document_id=event.document_id,
            agency_code=event.agency_code,
            register=Register.OUTGOING,
            type_name=event.document_type.name,
            organ_name=event.agency_code,
            subject=event.abstract,
            document_code=event.document_code,
            code_number=event.code_number,
            code_notation=event.code_notation,
            issued_date=event.issued_date,
            page_amount=event.page_count,
            signer_position=event.signer.position,
            signer_full_name=event.signer.full_name,
            urgency=event.urgency,
            confidentiality=event.confidentiality,
            due_date=event.due_date,
            addressees=tuple(Addressee(r.name, r.agency_code) for r in event.recipients),
            issued_amount=event.issued_amount,
        )
    if isinstance(event, CopyIssued):
        # A copy is bagged as a document of its own, numbered in the copies register.
        return DocumentMetadata(
            document_id=event.copy_id,
            agency_code=event.agency_code,
            register=Register.COPIES,
            type_name=event.document_type.name,
            organ_name=event.agency_code,
            subject=event.abstract,
            code_number=event.code_number,
            code_notation=event.code_notation,
            issued_date=event.issued_date,
            description=_COPY_LABELS[event.kind],
            signer_position=event.signer.position if event.signer else None,
            signer_full_name=event.signer.full_name if event.signer else None,
            confidentiality=event.confidentiality,
        )
    return None
