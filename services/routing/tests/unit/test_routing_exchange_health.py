"""Exchange health in the indicators (issue 15, ADR 0052): per recipient agency, the documents not
yet sent, failed, returned, slow to be accepted, and the delivery times, from exchange.status,
whatever the order the statuses are read in and however often."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.exchange import DeliveryStatusChanged, ProcessingStatusReceived
from vanthu_contracts.samples import golden_sample
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_routing.streams.indicators import apply, combine, summarise

AGENCY = "000.00.00.G22"
TODAY = date(2027, 3, 12)  # a Friday
CALENDAR = WorkingCalendar()


def _event(model: type[Event], **fields: Any) -> Event:
    return model.model_validate({**golden_sample(model.event_type).value, **fields})


def _transport(document: str, recipient: str, state: str, at: datetime) -> Event:
    return _event(
        DeliveryStatusChanged,
        package_id=f"p-{document}",
        document_id=document,
        agency_code=AGENCY,
        recipient_agency_code=recipient,
        transport=state,
        attempt=1,
        reason="Hub không trả lời" if state == "failed" else None,
        changed_at=at.isoformat(),
    )


def _said(document: str, recipient: str, code: str, at: datetime) -> Event:
    return _event(
        ProcessingStatusReceived,
        document_id=document,
        agency_code=AGENCY,
        from_agency_code=recipient,
        status_code=code,
        reported_at=at.isoformat(),
    )


def _day(days_ago: int, seconds: int = 0) -> datetime:
    return (
        datetime(2027, 3, 12, 2, tzinfo=UTC) - timedelta(days=days_ago) + timedelta(seconds=seconds)
    )


def _statuses() -> list[Event]:
    a, b, c, d, e, f = (str(uuid.uuid4()) for _ in range(6))
    return [
        # Delivered in 30 s, arrived and taken in.
        _transport(a, "H49", "queued", _day(3)),
        _transport(a, "H49", "delivered", _day(3, 30)),
        _said(a, "H49", "01", _day(2)),
        _said(a, "H49", "03", _day(2)),
        # Delivered in 90 s a week ago, nothing heard since: slow.
        _transport(b, "H49", "queued", _day(7)),
        _transport(b, "H49", "delivered", _day(7, 90)),
        # Still queued.
        _transport(c, "H41", "queued", _day(0)),
        # Failed.
        _transport(d, "H41", "queued", _day(1)),
        _transport(d, "H41", "failed", _day(1, 5)),
        # Refused by the recipient (02).
        _transport(e, "H41", "queued", _day(1)),
        _transport(e, "H41", "delivered", _day(1, 10)),
        _said(e, "H41", "02", _day(1, 60)),
        # Failed once, delivered on the next attempt: delivered.
        _transport(f, "H49", "queued", _day(1)),
        _transport(f, "H49", "failed", _day(1, 20)),
        _transport(f, "H49", "delivered", _day(1, 60)),
    ]


def _health(events: list[Event]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for event in events:
        apply(facts, event, 0)
    [part] = summarise(facts.values(), TODAY, CALENDAR, 2).values()
    figures: dict[str, Any] = combine([{"agency": AGENCY, **part}])["exchange"]
    return figures


EXPECTED = {
    "H41": {
        "sent": 3,
        "not_sent": 1,
        "failed": 1,
        "returned": 1,
        "slow": 0,
        "delivery_s": {"completed": 1, "median": 10, "p90": 10},
    },
    "H49": {
        "sent": 3,
        "not_sent": 0,
        "failed": 0,
        "returned": 0,
        "slow": 1,
        "delivery_s": {"completed": 3, "median": 60, "p90": 90},
    },
}


def test_each_recipient_agency_s_documents_are_counted_by_how_their_sending_went() -> None:
    assert _health(_statuses()) == EXPECTED


def test_the_health_is_the_same_whatever_the_order_and_however_often_a_status_is_read() -> None:
    statuses = _statuses()
    for seed in range(20):
        shuffled = statuses + statuses[: len(statuses) // 2]
        random.Random(seed).shuffle(shuffled)
        # Same events, same ids: the documents are those of `statuses`.
        assert _health(shuffled) == _health(statuses), seed
