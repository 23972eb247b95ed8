"""A leader's delegation to a secretary to record the leader's paper decisions (nhập thay).

No national rule grants this; each agency's working regulation does (research §5.1), so the
system keeps it as an explicit, dated grant that can be checked at the moment of entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from vanthu_routing.domain.calendar import local_date
from vanthu_routing.domain.errors import InvalidInput, InvalidTransition


@dataclass(frozen=True)
class Delegation:
    """``secretary_user_id`` may enter ``leader_user_id``'s paper decisions in the window."""

    delegation_id: str
    leader_user_id: str
    secretary_user_id: str
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    def __post_init__(self) -> None:
        for instant in (self.valid_from, self.valid_until, self.revoked_at):
            if instant is not None:
                local_date(instant)  # refuses naive datetimes
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise InvalidInput(
                "A delegation must end after it starts.",
                "Thời hạn ủy quyền phải kết thúc sau ngày bắt đầu.",
            )
        if self.leader_user_id == self.secretary_user_id:
            raise InvalidInput(
                "A leader cannot delegate to themselves.",
                "Lãnh đạo không thể tự ủy quyền cho chính mình.",
            )

    def covers(self, leader_user_id: str, secretary_user_id: str, at: datetime) -> bool:
        """True when this grant lets the secretary record for the leader at that moment."""
        return (
            self.leader_user_id == leader_user_id
            and self.secretary_user_id == secretary_user_id
            and self.why_not_valid_at(at) is None
        )

    def why_not_valid_at(self, at: datetime) -> tuple[str, str] | None:
        """Why the grant does not hold at ``at``, in English and Vietnamese; None if it does."""
        if self.revoked_at is not None and at >= self.revoked_at:
            day = f"{local_date(self.revoked_at):%d/%m/%Y}"
            return f"it was revoked on {day}", f"đã bị thu hồi ngày {day}"
        if at < self.valid_from:
            day = f"{local_date(self.valid_from):%d/%m/%Y}"
            return f"it only starts on {day}", f"chỉ có hiệu lực từ ngày {day}"
        if self.valid_until is not None and at >= self.valid_until:
            day = f"{local_date(self.valid_until):%d/%m/%Y}"
            return f"it expired on {day}", f"đã hết hạn ngày {day}"
        return None

    def revoke(self, at: datetime) -> Delegation:
        local_date(at)
        if self.revoked_at is not None:
            raise InvalidTransition(
                "This delegation was already revoked.", "Ủy quyền này đã bị thu hồi trước đó."
            )
        return replace(self, revoked_at=at)
