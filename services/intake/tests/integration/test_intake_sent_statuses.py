"""The sending clerk sees, per recipient agency, how the document travels and what it reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness.polling import eventually
from harness.samples import sample_event
from intake_testkit import form, tiny_pdf
from vanthu_contracts.events.values import StatusCode, TransportState

MOHA = "000.00.00.G09"
NGHE_AN = "000.00.00.H41"


def _outgoing() -> dict:
    return {
        "document_type": "QĐ",
        "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
        "signer": {"position": "Chủ tịch", "full_name": "Lê Văn Cường"},
        "recipients": [
            {"name": "Bộ Nội vụ", "agency_code": MOHA},
            {"name": "UBND tỉnh Nghệ An", "agency_code": NGHE_AN},
        ],
    }


async def _issue(clerk) -> dict:
    response = await clerk.post(
        "/v1/outgoing-documents",
        **form(_outgoing(), ("signed.pdf", tiny_pdf()), agency_abbreviation="UBND"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _by_agency(document: dict) -> dict[str, dict]:
    return {r["agency_code"]: r for r in document.get("recipient_statuses", ())}


async def test_the_clerk_sees_delivery_and_processing_per_recipient_in_vietnamese(
    clerk, agency, publisher
) -> None:
    sent = await _issue(clerk)
    at = datetime.now(UTC)

    def transport(recipient: str, state: TransportState, minutes: int, **more):
        return sample_event(
            "vanthu.exchange.delivery-status.changed.v1",
            document_id=sent["id"],
            agency_code=agency,
            recipient_agency_code=recipient,
            transport=state,
            changed_at=at + timedelta(minutes=minutes),
            **more,
        )

    for event in (
        transport(MOHA, TransportState.QUEUED, 0),
        transport(MOHA, TransportState.DELIVERED, 1),
        transport(NGHE_AN, TransportState.QUEUED, 0),
        transport(NGHE_AN, TransportState.FAILED, 1, reason="recipient unknown at the hub"),
        sample_event(
            "vanthu.exchange.processing-status.received.v1",
            document_id=sent["id"],
            agency_code=agency,
            from_agency_code=MOHA,
            status_code=StatusCode.ACCEPTED,
            reported_at=at + timedelta(minutes=2),
        ),
    ):
        await publisher.publish(event)

    async def all_reported() -> dict | None:
        document = (await clerk.get(f"/v1/documents/{sent['id']}")).json()
        statuses = _by_agency(document)
        done = statuses[MOHA]["processing"] and statuses[NGHE_AN]["delivery"]["state"] == "failed"
        return statuses if done else None

    statuses = await eventually(all_reported, timeout=60, what="the statuses in intake's view")

    moha, nghe_an = statuses[MOHA], statuses[NGHE_AN]
    assert moha["name"] == "Bộ Nội vụ"
    assert moha["delivery"]["label"] == "Đã gửi lên trục liên thông"
    assert moha["processing"]["status_code"] == "03"
    assert moha["label"] == "Đã tiếp nhận"
    assert moha["error"] is False
    assert [step["label"] for step in moha["history"]] == [
        "Đang chờ gửi",
        "Đã gửi lên trục liên thông",
        "03 Đã tiếp nhận",
    ]
    assert nghe_an["error"] is True
    assert nghe_an["label"] == "Gửi không thành công: recipient unknown at the hub"


async def test_a_send_the_exchange_never_answers_shows_as_not_sent(clerk) -> None:
    sent = await _issue(clerk)

    async def unanswered() -> dict | None:
        document = (await clerk.get(f"/v1/documents/{sent['id']}")).json()
        status = _by_agency(document)[MOHA]
        return status if status["delivery"]["state"] == "no_answer" else None

    # The test deployment waits 3 s for a first status (VANTHU_INTAKE_SEND_SILENCE_S).
    status = await eventually(unanswered, timeout=30, what="the unanswered send")

    assert status["error"] is True
    assert status["label"].startswith("Chưa gửi được: hệ thống liên thông không phản hồi")
