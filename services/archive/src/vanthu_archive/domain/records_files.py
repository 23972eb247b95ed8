"""File plans and records files (danh mục hồ sơ, hồ sơ), from opening to hand-over or disposal.

The rules come from ND 30/2020 chapter IV: a yearly file plan approved at the start of the year
(Art. 28); files opened from it, filled, closed when the matter ends, with the retention period
re-checked at closing (Art. 29); hand-over to the agency archive within one year of closing, three
months for construction-project files (Art. 30.2), of every file kept 5 years or more (Art. 31.3);
the system warns 30 days before a hand-over is due (Appendix VI). Disposal of an expired file needs
an approval by someone other than the proposer, and is never possible for a permanent file.

Calendar dates (``date``) are days as the agency lives them, in Asia/Ho_Chi_Minh; callers pass
``today`` so that nothing here reads a clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from vanthu_archive.domain.errors import ArchiveDomainError

HANDOVER_ALERT_DAYS = 30
MIN_YEARS_HANDED_OVER = 5
MAX_DOCUMENTS_PER_FILE = 999  # DocOrdinal is a 3-digit number (ND 30 Appendix VI)


class RecordsFileError(ArchiveDomainError):
    """A records-file rule was broken."""


class InvalidTransition(RecordsFileError):
    """The file or its disposition is not in a state that allows this step."""


class DispositionRefused(RecordsFileError):
    """Disposal may not even be proposed for this file (yet)."""


class DocumentNotInFile(RecordsFileError):
    pass


class UnknownFilePlanEntry(RecordsFileError):
    pass


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    """Thời hạn bảo quản: permanent (``years is None``) or a number of years."""

    years: int | None

    def __post_init__(self) -> None:
        if self.years is not None and self.years < 1:
            raise ValueError(
                f"a retention period is permanent or at least one year, not {self.years}"
            )

    @classmethod
    def permanent(cls) -> RetentionPeriod:
        return cls(None)

    @classmethod
    def of_years(cls, years: int) -> RetentionPeriod:
        return cls(years)

    @property
    def is_permanent(self) -> bool:
        return self.years is None

    @property
    def label(self) -> str:
        """As written in the file plan and in ND 30's ``Maintenance`` field."""
        return "Vĩnh viễn" if self.years is None else f"{self.years} năm"

    @property
    def requires_handover(self) -> bool:
        return self.years is None or self.years >= MIN_YEARS_HANDED_OVER


@dataclass(frozen=True, slots=True)
class FilePlanEntry:
    """One line of the file plan: the file to open, its retention and who keeps it."""

    code: str
    title: str
    retention: RetentionPeriod
    responsible_unit: str
    construction_project: bool = False

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 20:
            raise ValueError("a file plan code (FileNotation) has 1 to 20 characters")
        if not self.title or len(self.title) > 500:
            raise ValueError("a file title has 1 to 500 characters")


@dataclass(frozen=True, slots=True)
class FilePlan:
    """Danh mục hồ sơ of one agency for one year."""

    agency_code: str
    year: int
    entries: tuple[FilePlanEntry, ...] = ()

    def __post_init__(self) -> None:
        codes = [entry.code for entry in self.entries]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"file plan codes must be unique; repeated: {', '.join(duplicates)}")

    def with_entry(self, entry: FilePlanEntry) -> FilePlan:
        return FilePlan(self.agency_code, self.year, (*self.entries, entry))

    def entry(self, code: str) -> FilePlanEntry:
        for entry in self.entries:
            if entry.code == code:
                return entry
        raise UnknownFilePlanEntry(
            f"the {self.year} file plan of {self.agency_code} has no {code!r}"
        )


class RecordsFileStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    HANDED_OVER = "handed_over"
    DISPOSED = "disposed"


class DispositionState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISPOSED = "disposed"


@dataclass(slots=True)
class Disposition:
    """One request to destroy an expired file, and what became of it."""

    proposed_by: str
    proposed_on: date
    reason: str
    state: DispositionState = DispositionState.PROPOSED
    decided_by: str | None = None
    decided_on: date | None = None
    decision_note: str | None = None
    disposed_by: str | None = None
    disposed_on: date | None = None


@dataclass(slots=True)
class RecordsFile:
    """Hồ sơ: documents gathered on one matter; a document id may sit in several files, since
    files hold references to the one stored original, never copies."""

    file_id: str
    agency_code: str
    year: int
    notation: str
    title: str
    retention: RetentionPeriod
    responsible_unit: str
    opened_on: date
    construction_project: bool = False
    status: RecordsFileStatus = RecordsFileStatus.OPEN
    document_ids: list[str] = field(default_factory=list)
    closed_on: date | None = None
    handover_alerted_on: date | None = None
    handed_over_on: date | None = None
    dispositions: list[Disposition] = field(default_factory=list)

    # --- while open ---

    def add_document(self, document_id: str) -> int:
        """File a document and return its order in the file; filing it again changes nothing."""
        self._require_status(RecordsFileStatus.OPEN, "add a document to")
        if document_id in self.document_ids:
            return self.ordinal_of(document_id)
        if len(self.document_ids) >= MAX_DOCUMENTS_PER_FILE:
            raise InvalidTransition(
                f"records file {self.notation} already holds {MAX_DOCUMENTS_PER_FILE} documents"
            )
        self.document_ids.append(document_id)
        return len(self.document_ids)

    def remove_document(self, document_id: str) -> None:
        self._require_status(RecordsFileStatus.OPEN, "remove a document from")
        if document_id not in self.document_ids:
            raise DocumentNotInFile(
                f"document {document_id} is not in records file {self.notation}"
            )
        self.document_ids.remove(document_id)

    def ordinal_of(self, document_id: str) -> int:
        """DocOrdinal: 1-based position; it closes up when a document is taken out."""
        if document_id not in self.document_ids:
            raise DocumentNotInFile(
                f"document {document_id} is not in records file {self.notation}"
            )
        return self.document_ids.index(document_id) + 1

    def close(self, closed_on: date, retention: RetentionPeriod | None = None) -> None:
        """End the file; ``retention`` is the period re-checked at closing (ND 30 Art. 29)."""
        self._require_status(RecordsFileStatus.OPEN, "close")
        if not self.document_ids:
            raise InvalidTransition(
                f"records file {self.notation} is empty; an empty file is not closed"
            )
        if closed_on < self.opened_on:
            raise InvalidTransition(
                f"records file {self.notation} opened on {self.opened_on} cannot close on {closed_on}"
            )
        self.closed_on = closed_on
        if retention is not None:
            self.retention = retention
        self.status = RecordsFileStatus.CLOSED

    # --- after closing ---

    @property
    def retention_expires_on(self) -> date | None:
        """Closing date plus the retention period; ``None`` while open or when permanent."""
        if self.closed_on is None or self.retention.years is None:
            return None
        return _add_months(self.closed_on, 12 * self.retention.years)

    @property
    def handover_due_on(self) -> date | None:
        if self.closed_on is None:
            return None
        return _add_months(self.closed_on, 3 if self.construction_project else 12)

    def mark_handover_alerted(self, on: date) -> None:
        if self.handover_alerted_on is None:
            self.handover_alerted_on = on

    def record_handover(self, on: date) -> None:
        self._require_status(RecordsFileStatus.CLOSED, "hand over")
        if self.closed_on is not None and on < self.closed_on:
            raise InvalidTransition(
                f"records file {self.notation} cannot be handed over before it closed"
            )
        self.handed_over_on = on
        self.status = RecordsFileStatus.HANDED_OVER

    # --- disposition: proposed → approved → disposed, or proposed → rejected ---

    @property
    def disposition(self) -> Disposition | None:
        return self.dispositions[-1] if self.dispositions else None

    def propose_disposition(self, by: str, on: date, reason: str) -> Disposition:
        if self.retention.is_permanent:
            raise DispositionRefused(
                f"records file {self.notation} is kept permanently; it is never destroyed"
            )
        if self.status not in (RecordsFileStatus.CLOSED, RecordsFileStatus.HANDED_OVER):
            raise InvalidTransition(
                f"records file {self.notation} is {self.status.value}; only a closed file is disposed of"
            )
        expires_on = self.retention_expires_on
        if expires_on is not None and on < expires_on:
            raise DispositionRefused(
                f"records file {self.notation} must be kept until {expires_on.isoformat()}"
            )
        current = self.disposition
        if current is not None and current.state is not DispositionState.REJECTED:
            raise InvalidTransition(
                f"records file {self.notation} already has a disposition that is {current.state.value}"
            )
        proposal = Disposition(proposed_by=by, proposed_on=on, reason=reason)
        self.dispositions.append(proposal)
        return proposal

    def approve_disposition(self, by: str, on: date, note: str | None = None) -> None:
        current = self._require_disposition(DispositionState.PROPOSED, "approve")
        if by == current.proposed_by:
            # Two people, as in Archivematica's two-step deletion: no one destroys records alone.
            raise InvalidTransition(
                "a disposition must be approved by someone other than its proposer"
            )
        self._decide(current, DispositionState.APPROVED, by, on, note)

    def reject_disposition(self, by: str, on: date, note: str) -> None:
        current = self._require_disposition(DispositionState.PROPOSED, "reject")
        self._decide(current, DispositionState.REJECTED, by, on, note)

    def record_disposal(self, by: str, on: date) -> None:
        current = self._require_disposition(DispositionState.APPROVED, "carry out")
        current.state = DispositionState.DISPOSED
        current.disposed_by = by
        current.disposed_on = on
        # The file's record (its list of documents) stays: it is the proof of what was destroyed.
        self.status = RecordsFileStatus.DISPOSED

    def _decide(
        self, current: Disposition, state: DispositionState, by: str, on: date, note: str | None
    ) -> None:
        if on < current.proposed_on:
            raise InvalidTransition("a disposition cannot be decided before it was proposed")
        current.state = state
        current.decided_by = by
        current.decided_on = on
        current.decision_note = note

    def _require_disposition(self, state: DispositionState, action: str) -> Disposition:
        current = self.disposition
        if current is None:
            raise InvalidTransition(
                f"cannot {action} disposal of {self.notation}: none was proposed"
            )
        if current.state is not state:
            raise InvalidTransition(
                f"cannot {action} disposal of {self.notation}: the disposition is {current.state.value}"
            )
        return current

    def _require_status(self, status: RecordsFileStatus, action: str) -> None:
        if self.status is not status:
            raise InvalidTransition(
                f"cannot {action} records file {self.notation}: it is {self.status.value}"
            )


def open_records_file(plan: FilePlan, code: str, file_id: str, opened_on: date) -> RecordsFile:
    entry = plan.entry(code)
    if opened_on.year != plan.year:
        raise InvalidTransition(
            f"a file of the {plan.year} plan cannot be opened in {opened_on.year}"
        )
    return RecordsFile(
        file_id=file_id,
        agency_code=plan.agency_code,
        year=plan.year,
        notation=entry.code,
        title=entry.title,
        retention=entry.retention,
        responsible_unit=entry.responsible_unit,
        opened_on=opened_on,
        construction_project=entry.construction_project,
    )


def due_for_handover_alerts(files: Iterable[RecordsFile], today: date) -> list[RecordsFile]:
    """Closed files to be handed over within 30 days (or already late) that nobody was told of."""
    return [
        records_file
        for records_file in files
        if records_file.status is RecordsFileStatus.CLOSED
        and records_file.retention.requires_handover
        and records_file.handover_alerted_on is None
        and records_file.handover_due_on is not None
        and (records_file.handover_due_on - today).days <= HANDOVER_ALERT_DAYS
    ]


def files_containing(files: Iterable[RecordsFile], document_id: str) -> list[RecordsFile]:
    return [records_file for records_file in files if document_id in records_file.document_ids]


def _add_months(start: date, months: int) -> date:
    # 29 February plus a year lands on 28 February: the last day that month has.
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
