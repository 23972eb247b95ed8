"""The people of one provincial department and a document presented to its director."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole

EntryFactory = Callable[..., Entry]


def _person(user_id: str, name: str, position: str) -> Person:
    # Random ids per test, so no test can lean on another's people.
    return Person(f"{user_id}-{uuid.uuid4().hex[:6]}", name, position)


@pytest.fixture
def now() -> datetime:
    """Monday 3 March 2025, 09:00 in Hà Nội: an ordinary working morning."""
    return datetime(2025, 3, 3, 9, 0, tzinfo=VIETNAM_TIME)


@pytest.fixture
def due() -> date:
    return date(2025, 3, 14)


@pytest.fixture
def director() -> Actor:
    return Actor(_person("u-director", "Nguyễn Văn An", "Giám đốc Sở"))


@pytest.fixture
def secretary() -> Actor:
    return Actor(_person("u-secretary", "Trần Thị Bình", "Thư ký Giám đốc"))


@pytest.fixture
def planning_head() -> Actor:
    return Actor(
        _person("u-planning-head", "Lê Văn Cường", "Trưởng phòng Kế hoạch"),
        frozenset({"unit-planning"}),
    )


@pytest.fixture
def finance_head() -> Actor:
    return Actor(
        _person("u-finance-head", "Phạm Thị Dung", "Trưởng phòng Tài chính"),
        frozenset({"unit-finance"}),
    )


@pytest.fixture
def specialist() -> Actor:
    return Actor(_person("u-specialist", "Hoàng Văn Em", "Chuyên viên"))


@pytest.fixture
def second_specialist() -> Actor:
    return Actor(_person("u-specialist-2", "Đỗ Thị Giang", "Chuyên viên"))


@pytest.fixture
def outsider() -> Actor:
    return Actor(_person("u-outsider", "Vũ Văn Hải", "Chuyên viên phòng khác"))


@pytest.fixture
def entry(now: datetime) -> EntryFactory:
    """A fresh entry (a new decision id) by someone, with optional text, at ``now`` by default."""

    def make(actor: Actor, text: str | None = None, at: datetime | None = None) -> Entry:
        return Entry(str(uuid.uuid4()), actor, at or now, text)

    return make


@pytest.fixture
def direction(due: date) -> list[Assignment]:
    """Planning leads, Finance coordinates, Legal gets a copy for information."""
    return [
        Assignment(Assignee.unit("unit-planning", "Phòng Kế hoạch"), TaskRole.LEAD, due, "Chủ trì"),
        Assignment(Assignee.unit("unit-finance", "Phòng Tài chính"), TaskRole.COORDINATING, due),
        Assignment(Assignee.unit("unit-legal", "Phòng Pháp chế"), TaskRole.INFORMATION),
    ]


@pytest.fixture
def presented(director: Actor, now: datetime) -> Case:
    return Case.open(
        document_id=f"doc-{uuid.uuid4().hex[:8]}",
        agency_code="000.00.00.H49",
        leader=director.person,
        # Registered last Thursday: the slips of the tests are dated from Friday on.
        opened_at=now - timedelta(days=4),
    ).case


@pytest.fixture
def directed(
    presented: Case, director: Actor, entry: EntryFactory, direction: list[Assignment]
) -> Case:
    return presented.direct(entry(director, "Giao P.KH chủ trì"), direction).case


@pytest.fixture
def evidence() -> FileReference:
    """The scanned direction slip (phiếu giải quyết văn bản đến)."""
    return FileReference(
        file_id=f"file-{uuid.uuid4().hex[:8]}",
        name="phieu-giai-quyet.pdf",
        media_type="application/pdf",
        size=48_213,
        sha256="a" * 64,
        object_key="evidence/phieu-giai-quyet.pdf",
    )


@pytest.fixture
def delegation(director: Actor, secretary: Actor, now: datetime) -> Delegation:
    """The director's delegation to the secretary, valid from a week ago for a month."""
    return Delegation(
        delegation_id=f"del-{uuid.uuid4().hex[:8]}",
        leader_user_id=director.user_id,
        secretary_user_id=secretary.user_id,
        valid_from=now - timedelta(days=7),
        valid_until=now + timedelta(days=23),
    )
