"""Decisions on a document, and who made them versus who typed them in.

A leader who does not use the system decides on paper (the direction slip, phiếu giải quyết văn
bản đến); a secretary holding the leader's delegation enters it. The record then keeps both
people, the date written on the slip and the scanned slip itself, and says forever that the
entry was made on the leader's behalf (research §5.1: never the leader's own digital act).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from vanthu_routing.domain.calendar import VIETNAM_TIME, local_date
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import EvidenceRequired, InvalidInput, NotPermitted
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.task import Assignment


class DecisionKind(StrEnum):
    DIRECTION = "direction"
    REDIRECTION = "redirection"
    REASSIGNMENT = "reassignment"
    PROGRESS = "progress"
    COMPLETION = "completion"
    RETURN = "return"
    DRAFT_REVIEW = "draft_review"
    DRAFT_APPROVAL = "draft_approval"
    COMMENT = "comment"


@dataclass(frozen=True)
class Entry:
    """One thing someone records: its id (the idempotency key), the person, the moment, the text."""

    decision_id: str
    actor: Actor
    recorded_at: datetime
    text: str | None = None

    def __post_init__(self) -> None:
        local_date(self.recorded_at)  # refuses naive datetimes
        if not self.decision_id.strip():
            raise InvalidInput("A decision needs an id.", "Quyết định phải có mã định danh.")

    @property
    def stripped_text(self) -> str | None:
        return self.text.strip() if self.text and self.text.strip() else None


@dataclass(frozen=True)
class PaperSlip:
    """A leader's decision made on paper, as the secretary transcribes it."""

    decided_by: Person
    decided_at: datetime
    """The date (and time, if written) on the slip; it is what the record shows as decided_at."""
    evidence_file: FileReference | None = None
    """The scanned slip; a proxy entry without it is refused."""


@dataclass(frozen=True)
class Decision:
    """A recorded decision; ``on_behalf`` is visible for as long as the record exists."""

    decision_id: str
    kind: DecisionKind
    decided_by: Person
    recorded_by: Person
    decided_at: datetime
    recorded_at: datetime
    text: str | None = None
    evidence_file: FileReference | None = None
    delegation_id: str | None = None
    assignments: tuple[Assignment, ...] = ()
    task_id: str | None = None
    draft_id: str | None = None

    @property
    def on_behalf(self) -> bool:
        return self.decided_by.user_id != self.recorded_by.user_id


@dataclass(frozen=True)
class Authorship:
    """Who decided and who recorded, already checked against the rules."""

    decided_by: Person
    recorded_by: Person
    decided_at: datetime
    recorded_at: datetime
    evidence_file: FileReference | None = None
    delegation_id: str | None = None

    def decision(
        self,
        entry: Entry,
        kind: DecisionKind,
        *,
        assignments: tuple[Assignment, ...] = (),
        task_id: str | None = None,
        draft_id: str | None = None,
    ) -> Decision:
        return Decision(
            decision_id=entry.decision_id,
            kind=kind,
            decided_by=self.decided_by,
            recorded_by=self.recorded_by,
            decided_at=self.decided_at,
            recorded_at=self.recorded_at,
            text=entry.stripped_text,
            evidence_file=self.evidence_file,
            delegation_id=self.delegation_id,
            assignments=assignments,
            task_id=task_id,
            draft_id=draft_id,
        )


def own_authorship(entry: Entry) -> Authorship:
    """The person at the keyboard decided it, now."""
    person = entry.actor.person
    return Authorship(person, person, entry.recorded_at, entry.recorded_at)


def leader_authorship(
    leader: Person,
    entry: Entry,
    paper: PaperSlip | None,
    delegations: Iterable[Delegation],
    *,
    received_at: datetime,
) -> Authorship:
    """Check that a leader's decision comes from the leader, or from paper via a delegation.

    The delegation must hold when the secretary records (``entry.recorded_at``): that is the
    act the system witnesses; the slip's own date is kept as decided_at, and it lies between
    the day the document arrived (``received_at``) and today.
    """
    actor = entry.actor
    if paper is None:
        if actor.user_id != leader.user_id:
            raise NotPermitted(
                f"Only {leader} can decide this, or a secretary recording {leader.full_name}'s "
                "paper decision with a valid delegation.",
                f"Chỉ {leader} mới được quyết định việc này, hoặc thư ký nhập thay ý kiến "
                f"trên giấy của {leader.full_name} khi có ủy quyền còn hiệu lực.",
            )
        return own_authorship(entry)
    if paper.decided_by.user_id != leader.user_id:
        raise NotPermitted(
            f"The document was presented to {leader}; a paper decision by "
            f"{paper.decided_by.full_name} cannot be recorded as its direction.",
            f"Văn bản được trình {leader}; không thể nhập ý kiến trên giấy của "
            f"{paper.decided_by.full_name} làm ý kiến chỉ đạo.",
        )
    require_slip_date(paper.decided_at, entry.recorded_at, received_at)
    if actor.user_id == leader.user_id:
        # The leader typing in their own paper decision is not a proxy entry.
        return Authorship(
            leader, actor.person, paper.decided_at, entry.recorded_at, paper.evidence_file
        )
    delegation = _valid_delegation(leader, entry, delegations)
    if paper.evidence_file is None:
        raise EvidenceRequired(
            f"A decision recorded on behalf of {leader.full_name} needs the scanned paper slip "
            "as evidence.",
            f"Nhập thay ý kiến của {leader.full_name} phải kèm bản quét phiếu giải quyết "
            "văn bản đến làm căn cứ.",
        )
    return Authorship(
        decided_by=paper.decided_by,
        recorded_by=actor.person,
        decided_at=paper.decided_at,
        recorded_at=entry.recorded_at,
        evidence_file=paper.evidence_file,
        delegation_id=delegation.delegation_id,
    )


def _valid_delegation(
    leader: Person, entry: Entry, delegations: Iterable[Delegation]
) -> Delegation:
    return delegation_for(leader, entry.actor.person, entry.recorded_at, delegations)


def delegation_for(
    leader: Person, secretary: Person, at: datetime, delegations: Iterable[Delegation]
) -> Delegation:
    """The grant letting ``secretary`` record ``leader``'s decisions at ``at``; NotPermitted
    saying why not (none, revoked, expired, not yet started) otherwise."""
    relevant = [
        d
        for d in delegations
        if d.leader_user_id == leader.user_id and d.secretary_user_id == secretary.user_id
    ]
    for delegation in relevant:
        if delegation.covers(leader.user_id, secretary.user_id, at):
            return delegation
    if not relevant:
        raise NotPermitted(
            f"{secretary.full_name} has no delegation from {leader.full_name} to record "
            "decisions on their behalf.",
            f"{secretary.full_name} không được {leader.full_name} ủy quyền nhập thay ý kiến.",
        )
    reasons = [reason for d in relevant if (reason := d.why_not_valid_at(at))]
    english = "; ".join(en for en, _ in reasons)
    vietnamese = "; ".join(vi for _, vi in reasons)
    raise NotPermitted(
        f"{secretary.full_name}'s delegation from {leader.full_name} is not valid now: {english}.",
        f"Ủy quyền của {leader.full_name} cho {secretary.full_name} không còn hiệu lực: "
        f"{vietnamese}.",
    )


SLIP_CLOCK_SLACK = timedelta(minutes=5)
"""How far past the entry's time a slip's written time may be (the clocks of a phone and the
server differ)."""


def require_slip_date(decided_at: datetime, recorded_at: datetime, received_at: datetime) -> None:
    """A slip is dated between the day the document arrived and the day it is entered.

    Slips carry a day: compared by day in Vietnam, a slip written the morning a document was
    registered that afternoon is fine."""
    decided = local_date(decided_at)  # refuses naive datetimes
    if decided > local_date(recorded_at):
        raise InvalidInput(
            f"decided_at: the paper slip is dated {decided:%d/%m/%Y}, after today.",
            f"decided_at: phiếu ghi ngày {decided:%d/%m/%Y}, sau ngày hôm nay.",
        )
    if decided_at > recorded_at + SLIP_CLOCK_SLACK:
        # A slip with a time written on it: today, but not later than now.
        later = decided_at.astimezone(VIETNAM_TIME)
        raise InvalidInput(
            f"decided_at: the paper slip says {later:%H:%M} today, which is later than now.",
            f"decided_at: phiếu ghi {later:%H:%M} hôm nay, muộn hơn thời điểm hiện tại.",
        )
    arrived = local_date(received_at)
    if decided < arrived:
        raise InvalidInput(
            f"decided_at: the paper slip is dated {decided:%d/%m/%Y}, before the document "
            f"arrived on {arrived:%d/%m/%Y}; a decision on it cannot be older than it.",
            f"decided_at: phiếu ghi ngày {decided:%d/%m/%Y}, trước ngày văn bản đến "
            f"({arrived:%d/%m/%Y}); ý kiến xử lý không thể có trước văn bản.",
        )
