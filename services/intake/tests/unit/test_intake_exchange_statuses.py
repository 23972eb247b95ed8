"""What the sending clerk reads of each recipient: transport, processing, and silence as an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vanthu_intake.domain.exchange_statuses import recipient_statuses

SENT = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
MOHA = ("000.00.00.G09", "Bộ Nội vụ")


def test_a_recipient_that_refuses_the_document_is_an_error_with_its_reason() -> None:
    reports = [
        {"recipient": MOHA[0], "transport": "delivered", "at": SENT},
        {
            "recipient": MOHA[0],
            "status_code": "02",
            "description": "sai địa chỉ",
            "at": SENT + timedelta(minutes=5),
        },
    ]

    (status,) = recipient_statuses(
        [MOHA], reports, requested_at=SENT, now=SENT + timedelta(hours=1), silence=None
    )

    assert status.error
    assert status.label == "Từ chối tiếp nhận"
    assert status.history[-1].detail == "sai địa chỉ"


def test_reports_of_the_same_instant_end_on_the_one_further_along() -> None:
    reports = [
        {"recipient": MOHA[0], "transport": "acknowledged", "at": SENT},
        {"recipient": MOHA[0], "transport": "queued", "at": SENT},
    ]

    (status,) = recipient_statuses(
        [MOHA], reports, requested_at=SENT, now=SENT, silence=timedelta(minutes=10)
    )

    assert status.label == "Hệ thống của nơi nhận đã nhận văn bản"


def test_a_send_waits_quietly_until_the_silence_runs_out_then_is_an_error() -> None:
    def at(minutes: int):
        (status,) = recipient_statuses(
            [MOHA],
            [],
            requested_at=SENT,
            now=SENT + timedelta(minutes=minutes),
            silence=timedelta(minutes=10),
        )
        return status

    assert (at(5).delivery.state, at(5).error) == ("requested", False)
    assert (at(11).delivery.state, at(11).error) == ("no_answer", True)
    assert "sau 10 phút" in at(11).label
