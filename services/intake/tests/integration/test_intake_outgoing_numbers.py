"""The number and date of an outgoing document are taken before it is signed, and are the ones
printed in the signed PDF it is issued with (issue 11 item 7)."""

from __future__ import annotations

import secrets
import uuid

from harness.polling import eventually
from harness.samples import sample_event
from intake_testkit import form, pdf_document, sign_pdf

DECISION = {
    "document_type": "QĐ",
    "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
    "signer": {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": "Lê Văn C"},
    "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
}


async def _approved_draft(publisher, agency: str) -> tuple[str, str]:
    """A draft routing approved: its id and the incoming document it answers."""
    draft_id, answered = f"draft-{secrets.token_hex(4)}", str(uuid.uuid4())
    await publisher.publish(
        sample_event(
            "vanthu.routing.draft.approved.v1",
            agency_code=agency,
            draft_id=draft_id,
            document_id=answered,
        )
    )
    return draft_id, answered


async def _reserve(clerk, draft_id: str, *, wait: bool = True):
    body = {"draft_id": draft_id, "metadata": DECISION, "agency_abbreviation": "UBND"}

    async def reserved():
        response = await clerk.post(
            "/v1/outgoing-documents/numbers", json={**body, "place": "Vinh"}
        )
        return response if response.status_code != 422 or not wait else None

    # Until the worker has the DraftApproved, the draft is unknown (422).
    return await eventually(reserved, timeout=60, what="the approved draft in intake")


def _without_metadata(request: dict) -> dict:
    request["data"].pop("metadata")
    return request


async def test_the_number_reserved_before_signing_is_issued_and_links_to_its_draft(
    clerk, agency, publisher, tmp_path
) -> None:
    draft_id, answered = await _approved_draft(publisher, agency)

    reservation = await _reserve(clerk, draft_id)
    again = await _reserve(clerk, draft_id)

    assert reservation.status_code == 201, reservation.text
    numbers = reservation.json()
    assert (numbers["notation"], numbers["status"]) == ("01/QĐ-UBND", "reserved")
    assert numbers["issued_date_text"].startswith("Vinh, ngày ")
    assert again.json()["reservation_id"] == numbers["reservation_id"]
    signed = await sign_pdf(
        pdf_document(f"Số: {numbers['notation']} {numbers['issued_date_text']}"), tmp_path
    )
    issued = await clerk.post(
        "/v1/outgoing-documents",
        **_without_metadata(
            form({}, ("signed.pdf", signed), reservation_id=numbers["reservation_id"])
        ),
    )

    assert issued.status_code == 201, issued.text
    document = (await clerk.get(f"/v1/documents/{numbers['reservation_id']}")).json()
    assert (document["status"], document["code_number"], document["code_notation"]) == (
        "registered",
        "01",
        "QĐ-UBND",
    )
    assert document["issued_date"] == numbers["issued_date"]
    assert document["approved_draft"]["draft_id"] == draft_id
    assert answered in document["metadata"]["reply_to"]
    assert document["files"][0]["role"] == "original"
    next_one = await _reserve(clerk, (await _approved_draft(publisher, agency))[0])
    assert next_one.json()["notation"] == "02/QĐ-UBND"


async def test_a_signed_pdf_that_does_not_show_its_reserved_number_is_refused(
    clerk, agency, publisher
) -> None:
    draft_id, _ = await _approved_draft(publisher, agency)
    numbers = (await _reserve(clerk, draft_id)).json()

    wrong = await clerk.post(
        "/v1/outgoing-documents",
        **_without_metadata(
            form(
                {},
                ("signed.pdf", pdf_document("Số: 15/QĐ-UBND")),
                reservation_id=numbers["reservation_id"],
            )
        ),
    )

    assert wrong.status_code == 422, wrong.text
    (problem,) = wrong.json()["detail"]
    assert problem["field"] == "file"
    assert "01/QĐ-UBND" in problem["msg"]
    still = (await clerk.get(f"/v1/documents/{numbers['reservation_id']}")).json()
    assert (still["status"], still["files"]) == ("reserved", [])


async def test_a_number_for_a_draft_nobody_approved_is_refused_naming_the_draft(clerk) -> None:
    response = await _reserve(clerk, "draft-never-approved", wait=False)

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "draft_id"
