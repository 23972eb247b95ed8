"""Urging (đôn đốc): a leader or a unit head presses the person or unit handling a task.

An urging has a kind (nhắc nhở, phê bình, kiểm điểm: a reminder, a reprimand, a disciplinary
review, in rising weight), a number counting the urgings of its task (the first, the second...) and
a note. It changes nothing of the task: it is kept in the case's history, told to whoever handles
the task and counted in the indicators, per unit and person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vanthu_routing.domain.people import Person


class UrgingKind(StrEnum):
    REMINDER = "reminder"
    REPRIMAND = "reprimand"
    DISCIPLINARY_REVIEW = "disciplinary_review"

    @property
    def label(self) -> str:
        """How the agency calls it."""
        return _LABELS[self]


_LABELS = {
    UrgingKind.REMINDER: "Nhắc nhở",
    UrgingKind.REPRIMAND: "Phê bình",
    UrgingKind.DISCIPLINARY_REVIEW: "Kiểm điểm",
}


@dataclass(frozen=True)
class Urging:
    urging_id: str
    """The idempotency key: the same urging sent twice is kept once."""
    task_id: str
    kind: UrgingKind
    sequence: int
    """1 for the first urging of its task, 2 for the second..."""
    urged_by: Person
    urged_at: datetime
    note: str | None = None
