"""The clerk numbers signed outgoing documents, exchange is asked to send them, registers print."""

from __future__ import annotations

import json

from harness.polling import eventually
from intake_testkit import events_keyed, form, header, metadata, tiny_pdf
from vanthu_intake.domain.vietnam_time import vietnam_today


def outgoing(**changes) -> dict:
    base = {
        "document_type": "Công văn",
        "subject": "Về việc báo cáo kết quả công tác văn thư năm 2026",
        "signer": {
            "competence": "TL. CHỦ TỊCH",
            "position": "Chánh Văn phòng",
            "full_name": "Lê Văn Cường",
        },
        "recipients": [
            {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            {"name": "Phòng Văn xã", "unit_id": "unit-vx"},
        ],
        "drafting_unit_abbreviation": "VX",
    }
    base.update(changes)
    return base


async def _issue(clerk, meta: dict, abbreviation: str = "UBND"):
    return await clerk.post(
        "/v1/outgoing-documents",
        **form(meta, ("signed.pdf", tiny_pdf()), agency_abbreviation=abbreviation, place="Nghệ An"),
    )


async def _outbound(platform_settings, document_id: str, count: int) -> list:
    bootstrap = platform_settings.kafka.bootstrap_servers

    async def probe() -> list:
        found = await events_keyed(bootstrap, "exchange.outbound", document_id)
        return found if len(found) >= count else []

    return await eventually(probe, timeout=30, what=f"exchange.outbound for {document_id}")


async def test_outgoing_documents_are_numbered_with_their_notation_and_sent_to_other_agencies(
    clerk, agency, platform_settings
) -> None:
    first = await _issue(clerk, outgoing())
    second = await _issue(clerk, outgoing(document_type="QĐ", drafting_unit_abbreviation=None))

    assert first.status_code == 201, first.text
    assert (first.json()["code_number"], first.json()["code_notation"]) == ("01", "UBND-VX")
    assert (second.json()["code_number"], second.json()["code_notation"]) == ("02", "QĐ-UBND")
    today = vietnam_today()
    assert first.json()["document_code"] == f"{agency},{today:%Y/%m/%d},01/UBND-VX"
    (request,) = await _outbound(platform_settings, first.json()["id"], 1)
    assert header(request, "ce_type") == "vanthu.exchange.send-document.requested.v1"
    payload = json.loads(request.value)
    assert payload["recipients"] == ["000.00.00.G09"]
    assert payload["business_type"] == "new"
    issued = await eventually(
        lambda: events_keyed(
            platform_settings.kafka.bootstrap_servers, "document.received", first.json()["id"]
        )
    )
    assert header(issued[0], "ce_type") == "vanthu.intake.outgoing-document.issued.v1"


async def test_a_cong_van_without_its_drafting_unit_is_refused_naming_the_field(clerk) -> None:
    response = await _issue(clerk, outgoing(drafting_unit_abbreviation=None))

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "metadata.drafting_unit_abbreviation"


async def test_a_sent_document_is_revoked_through_the_exchange(clerk, platform_settings) -> None:
    sent = (await _issue(clerk, outgoing())).json()

    revoked = await clerk.post(
        f"/v1/outgoing-documents/{sent['id']}/change-requests",
        json={"business_type": "revoke", "reason": "ban hành nhầm"},
    )

    assert revoked.status_code == 202, revoked.text
    requests = [json.loads(r.value) for r in await _outbound(platform_settings, sent["id"], 2)]
    assert sorted(r["business_type"] for r in requests) == ["new", "revoke"]
    (revoke,) = [r for r in requests if r["business_type"] == "revoke"]
    assert revoke["target_document_code"] == sent["document_code"]


async def test_a_replacement_needs_the_document_carrying_the_new_text(clerk) -> None:
    sent = (await _issue(clerk, outgoing())).json()

    response = await clerk.post(
        f"/v1/outgoing-documents/{sent['id']}/change-requests",
        json={"business_type": "replace", "reason": "sai số liệu"},
    )

    assert response.status_code == 409
    assert "replacement_document_id" in response.json()["detail"]


async def test_the_incoming_register_prints_as_a_pdf_for_a_period(clerk) -> None:
    await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))
    today = vietnam_today().isoformat()

    response = await clerk.get("/v1/registers/incoming.pdf", params={"from": today, "to": today})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


async def test_a_period_that_ends_before_it_starts_is_refused(clerk) -> None:
    response = await clerk.get(
        "/v1/registers/outgoing.pdf", params={"from": "2026-03-02", "to": "2026-03-01"}
    )

    assert response.status_code == 422
