"""Drafts of an outgoing reply (dự thảo): uploaded → reviewed | returned → approved.

ND 30 Art. 11–12: the drafter uploads the draft, the head of the drafting unit checks it, the
signer approves it; only then does the clerk number and issue it. A returned draft stays in the
record as it was; the drafter uploads a new one, which names the draft it supersedes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import NoReturn

from vanthu_routing.domain.errors import InvalidTransition
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Person


class DraftStatus(StrEnum):
    UPLOADED = "uploaded"
    REVIEWED = "reviewed"
    RETURNED = "returned"
    APPROVED = "approved"


_STATUS_WORDS = {
    DraftStatus.UPLOADED: (
        "not yet reviewed by the unit head",
        "chưa được lãnh đạo đơn vị xem xét",
    ),
    DraftStatus.REVIEWED: ("already reviewed", "đã được xem xét"),
    DraftStatus.RETURNED: ("returned to its drafter", "đã bị trả lại người soạn thảo"),
    DraftStatus.APPROVED: ("already approved", "đã được phê duyệt"),
}


@dataclass(frozen=True)
class Draft:
    draft_id: str
    task_id: str
    file: FileReference
    uploaded_by: Person
    uploaded_at: datetime
    status: DraftStatus = DraftStatus.UPLOADED
    supersedes: str | None = None
    review_note: str | None = None
    reviewed_by: Person | None = None
    approved_by: Person | None = None
    returned_by: Person | None = None
    attachments: tuple[FileReference, ...] = ()
    """Appendices in files of their own (PDFs), in the drafter's order: approved with the draft,
    each signed by the agency when it is issued (issue 14). A new version carries its own."""

    def describe(self) -> tuple[str, str]:
        return f"the draft {self.file.name}", f"dự thảo {self.file.name}"

    def review(self, reviewer: Person, note: str | None) -> Draft:
        self._require(DraftStatus.UPLOADED, "review", "xem xét")
        return replace(self, status=DraftStatus.REVIEWED, reviewed_by=reviewer, review_note=note)

    def send_back(self, by: Person, note: str | None) -> Draft:
        if self.status not in (DraftStatus.UPLOADED, DraftStatus.REVIEWED):
            self._refuse("return", "trả lại")
        return replace(self, status=DraftStatus.RETURNED, returned_by=by, review_note=note)

    def approve(self, approver: Person) -> Draft:
        self._require(DraftStatus.REVIEWED, "approve", "phê duyệt")
        return replace(self, status=DraftStatus.APPROVED, approved_by=approver)

    def _require(self, status: DraftStatus, verb_en: str, verb_vi: str) -> None:
        if self.status is not status:
            self._refuse(verb_en, verb_vi)

    def _refuse(self, verb_en: str, verb_vi: str) -> NoReturn:
        what_en, what_vi = self.describe()
        state_en, state_vi = _STATUS_WORDS[self.status]
        raise InvalidTransition(
            f"Cannot {verb_en} {what_en}: it is {state_en}.",
            f"Không thể {verb_vi} {what_vi}: dự thảo {state_vi}.",
        )
