"""Outgoing documents are signed here (issue 14): the leader signs the approved draft (keys in a
real SoftHSM2 token, or the CAs' remote signing through its SIMULATOR), the clerk takes the
number, writes it into the signed PDF and applies the agency's signature; both signatures verify
with pyHanko and with poppler's pdfsig, and the number in the PDF is the register's."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from harness.polling import eventually
from signing_testkit import (
    REMOTE_LEADERS,
    SIGNING_AGENCY,
    SIGNING_AGENCY_NAME,
    TOKEN_LEADER,
    TOKEN_LEADER_NAME,
    approve_draft,
    pdf_tool,
    red_pixels,
    rendered_page,
)
from vanthu_intake.handlers import reservation_id_of

pytestmark = pytest.mark.integration

DECISION = {
    "document_type": "QĐ",
    "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
    "signer": {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": "Lê Văn C"},
    "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
}
DEPUTY = {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": TOKEN_LEADER_NAME}


def _client(intake: Any, user: str, role: str) -> httpx.AsyncClient:
    return intake.client(user, SIGNING_AGENCY, role)


async def _sign(leader: httpx.AsyncClient, draft_ids: list[str], signer: dict) -> httpx.Response:
    """Signs once intake's worker knows the drafts (422 on draft_ids until then)."""

    async def signed() -> httpx.Response | None:
        answer = await leader.post(
            "/v1/outgoing-documents/signatures", json={"draft_ids": draft_ids, "signer": signer}
        )
        if answer.status_code == 422 and "no approved draft" in answer.text:
            return None
        return answer

    return await eventually(signed, timeout=60, what="the approved drafts in intake")


async def _seal(clerk: httpx.AsyncClient, draft_id: str) -> httpx.Response:
    return await clerk.post(
        "/v1/outgoing-documents/seals",
        json={
            "draft_id": draft_id,
            "metadata": DECISION,
            "agency_abbreviation": "UBND",
            "place": "Vinh",
        },
    )


async def _original(clerk: httpx.AsyncClient, document_id: str) -> bytes:
    links = (await clerk.get(f"/v1/documents/{document_id}/files")).json()["items"]
    (original,) = [link for link in links if link["file"]["role"] == "original"]
    async with httpx.AsyncClient() as anonymous:
        return (await anonymous.get(original["url"])).content


async def test_the_leader_signs_the_clerk_numbers_and_seals_and_both_signatures_verify(
    signing_intake, publisher, platform_settings
) -> None:
    draft_id = await approve_draft(publisher, platform_settings)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        signed = await _sign(leader, [draft_id], DEPUTY)
        issued = await _seal(clerk, draft_id)
        again = await _seal(clerk, draft_id)
        assert signed.status_code == 201, signed.text
        assert signed.json()["drafts"][0]["provider"] == "pkcs11"
        assert issued.status_code == 201, issued.text
        document_id = issued.json()["document_id"]
        assert again.json()["document_id"] == document_id
        document = (await clerk.get(f"/v1/documents/{document_id}")).json()
        report = (await clerk.get(f"/v1/outgoing-documents/{document_id}/signatures")).json()
        pdf = await _original(clerk, document_id)

    assert document["status"] == "registered"
    assert document["approved_draft"]["draft_id"] == draft_id
    assert document["send_requested_to"] == ["000.00.00.G09"]
    notation = f"{document['code_number']}/{document['code_notation']}"
    assert issued.json()["notation"] == notation
    # The number and date the PDF shows (pdftotext) are the register's.
    text = pdf_tool("pdftotext", "-layout", data=pdf)
    year, month, day = document["issued_date"].split("-")
    month_text = month if int(month) < 3 else str(int(month))
    assert f"Số: {notation}" in text
    assert f"Vinh, ngày {day} tháng {month_text} năm {year}" in text
    # The signature block reads in Vietnamese (its text is really there, not mangled glyphs).
    assert "KT. CHỦ TỊCH" in text
    assert TOKEN_LEADER_NAME in text
    # pyHanko: both valid, trusted, and what came after the leader's signature was permitted.
    assert report["valid"] is True
    leader_sig, seal_sig = report["signatures"]
    assert TOKEN_LEADER_NAME in leader_sig["signer"]
    assert SIGNING_AGENCY_NAME in seal_sig["signer"]
    assert "vanthu Development CA" in leader_sig["issuer"]
    assert (leader_sig["changes_after"], leader_sig["changes_permitted"]) == ("form_filling", True)
    assert (seal_sig["changes_after"], seal_sig["intact"]) == ("none", True)
    assert {leader_sig["level"], seal_sig["level"]} == {"B-B"}
    # poppler's pdfsig, an independent verifier: both signatures valid.
    checked = pdf_tool("pdfsig", data=pdf)
    assert checked.count("Signature is Valid.") == 2, checked
    assert "chu_ky_co_quan" in checked
    assert "chu_ky_nguoi_co_tham_quyen" in checked
    # Drawn by poppler, the red seal sits over the left third of the leader's signature block
    # (bottom right of the page: x 320-560 pt, y 90-200 pt from the bottom), not over the rest.
    page = rendered_page(pdf)
    height = page.height
    assert red_pixels(page, (320, height - 200, 400, height - 90)) > 500
    assert red_pixels(page, (420, height - 200, 560, height - 90)) == 0


async def test_twenty_drafts_are_signed_with_one_confirmation_on_the_phone(
    signing_intake, remote_simulator, publisher, platform_settings
) -> None:
    leader_id = REMOTE_LEADERS["batch"]
    remote_simulator.configure(leader_id, common_name="Trần Văn Bình", behaviour="confirm")
    before = remote_simulator.confirmations(leader_id)
    drafts = [await approve_draft(publisher, platform_settings) for _ in range(20)]
    signer = {"position": "Chủ tịch", "full_name": "Trần Văn Bình"}
    async with (
        _client(signing_intake, leader_id, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        signed = await _sign(leader, drafts, signer)
        issued = await _seal(clerk, drafts[-1])
        report = (
            await clerk.get(f"/v1/outgoing-documents/{issued.json()['document_id']}/signatures")
        ).json()

    assert signed.status_code == 201, signed.text
    assert [d["draft_id"] for d in signed.json()["drafts"]] == drafts
    assert {d["provider"] for d in signed.json()["drafts"]} == {"remote"}
    assert remote_simulator.confirmations(leader_id) == before + 1
    assert issued.status_code == 201, issued.text
    assert report["valid"] is True
    assert "Trần Văn Bình" in report["signatures"][0]["signer"]


@pytest.mark.parametrize(
    ("behaviour", "state"),
    [("reject", "rejected"), ("ignore", "timed_out"), ("revoked", "certificate_revoked")],
)
async def test_a_remote_signing_that_fails_ends_in_its_state_and_nothing_is_numbered(
    signing_intake, remote_simulator, publisher, platform_settings, behaviour, state
) -> None:
    leader_id = REMOTE_LEADERS[behaviour]
    remote_simulator.configure(leader_id, common_name="Phạm Thị Dung", behaviour=behaviour)
    draft_id = await approve_draft(publisher, platform_settings)
    signer = {"position": "Giám đốc", "full_name": "Phạm Thị Dung"}
    async with (
        _client(signing_intake, leader_id, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        refused = await _sign(leader, [draft_id], signer)
        sealed = await _seal(clerk, draft_id)
        reserved = await clerk.get(f"/v1/documents/{reservation_id_of(SIGNING_AGENCY, draft_id)}")

    assert refused.status_code == 409, refused.text
    (problem,) = refused.json()["detail"]
    assert (problem["field"], problem["state"]) == ("signature", state)
    assert sealed.status_code == 409, sealed.text
    (problem,) = sealed.json()["detail"]
    assert (problem["field"], problem["state"]) == ("draft_id", state)
    assert "nothing was numbered" in problem["msg"]
    assert reserved.status_code == 404


async def test_the_clerk_cannot_number_a_draft_nobody_signed(
    signing_intake, publisher, platform_settings
) -> None:
    draft_id = await approve_draft(publisher, platform_settings)
    async with _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk:
        await eventually(
            lambda: _known_draft(clerk, draft_id), timeout=60, what="the draft in intake"
        )
        sealed = await _seal(clerk, draft_id)
        reserved = await clerk.get(f"/v1/documents/{reservation_id_of(SIGNING_AGENCY, draft_id)}")

    assert sealed.status_code == 409
    assert sealed.json()["detail"][0]["state"] == "not_signed"
    assert reserved.status_code == 404


async def _known_draft(clerk: httpx.AsyncClient, draft_id: str) -> bool:
    answer = await _seal(clerk, draft_id)
    return answer.status_code != 422


async def test_a_document_signed_outside_the_trust_list_is_reported_untrusted(
    signing_intake, tmp_path
) -> None:
    from intake_testkit import form, pdf_document, sign_pdf

    signed = await sign_pdf(pdf_document("Công văn ký ở nơi khác"), tmp_path, "Người Lạ")
    async with _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk:
        issued = await clerk.post(
            "/v1/outgoing-documents",
            **form(
                {**DECISION, "document_type": "Công văn", "drafting_unit_abbreviation": "VP"},
                ("signed.pdf", signed),
                agency_abbreviation="UBND",
            ),
        )
        assert issued.status_code == 201, issued.text
        report = await clerk.get(f"/v1/outgoing-documents/{issued.json()['id']}/signatures")

    assert report.status_code == 200, report.text
    (signature,) = report.json()["signatures"]
    assert "Người Lạ" in signature["signer"]
    assert (signature["intact"], signature["trusted"], signature["valid"]) == (True, False, False)
    assert report.json()["valid"] is False


async def test_a_sealed_document_changed_afterwards_is_detected(
    signing_intake, publisher, platform_settings, signing_setup
) -> None:
    from vanthu_intake.adapters.pyhanko_pdf_signing import PyhankoPdfSigning
    from vanthu_intake.adapters.pyhanko_signature_verifier import load_trust_roots

    draft_id = await approve_draft(publisher, platform_settings)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        assert (await _sign(leader, [draft_id], DEPUTY)).status_code == 201
        issued = (await _seal(clerk, draft_id)).json()
        pdf = await _original(clerk, issued["document_id"])
    # Someone changes the page's content after the signatures (one byte of its stream).
    at = pdf.index(b"stream") + 40
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]

    reports = await PyhankoPdfSigning(load_trust_roots(signing_setup.trust_dir)).report(tampered)

    assert reports, "the signatures are still found"
    assert not all(r.intact for r in reports)
    assert pdf_tool("pdfsig", data=tampered).count("Signature is Valid.") < 2


async def test_with_a_timestamp_authority_configured_the_signatures_are_b_t(
    signing_setup, remote_simulator
) -> None:
    from pathlib import Path

    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
    from signing_testkit import draft_pdf
    from vanthu_intake.adapters.pyhanko_pdf_signing import PyhankoPdfSigning
    from vanthu_intake.adapters.pyhanko_signature_verifier import load_trust_roots
    from vanthu_intake.ports import PersonalStamp
    from vanthu_runtime.signing.pkcs11_signer import Pkcs11Signer

    env = signing_setup.env
    timestamper = HTTPTimeStamper(f"{remote_simulator.url}/tsa")
    token = Pkcs11Signer(
        Path(env["VANTHU_SIGNING_PKCS11_MODULE"]),
        env["VANTHU_SIGNING_TOKEN_LABEL"],
        env["VANTHU_SIGNING_PIN"],
        timestamper,
    )
    pdfs = PyhankoPdfSigning(load_trust_roots(signing_setup.trust_dir))
    stamp = PersonalStamp(None, "Chủ tịch", TOKEN_LEADER_NAME)

    (signed,) = await pdfs.sign_personally([draft_pdf()], stamp, token, TOKEN_LEADER, "B-T")
    (report,) = await pdfs.report(signed)

    assert (report.level, report.intact, report.trusted) == ("B-T", True, True)
    assert report.timestamped_at is not None


async def test_the_signing_desk_lists_each_draft_where_it_stands(
    signing_intake, publisher, platform_settings
) -> None:
    """The leader's list to sign and the clerk's list to seal (the web app's "Ký số" page)."""
    draft_id = await approve_draft(publisher, platform_settings)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
        _client(signing_intake, "cv-" + secrets.token_hex(3), "specialist") as specialist,
    ):

        async def listed() -> dict[str, Any] | None:
            items = (await clerk.get("/v1/outgoing-documents/drafts")).json()["items"]
            return next((item for item in items if item["draft_id"] == draft_id), None)

        waiting = await eventually(listed, timeout=60, what="the approved draft on the desk")
        signed = await _sign(leader, [draft_id], DEPUTY)
        after_signing = await listed()
        sealed = await _seal(clerk, draft_id)
        after_sealing = await listed()
        refused = await specialist.get("/v1/outgoing-documents/drafts")

    assert waiting["state"] == "awaiting_signature"
    assert waiting["signed_at"] is None
    assert waiting["issued_notation"] is None
    assert signed.status_code == 201, signed.text
    assert after_signing is not None
    assert after_signing["state"] == "signed"
    assert after_signing["signed_by"]["user_id"] == TOKEN_LEADER
    assert sealed.status_code == 201, sealed.text
    assert after_sealing is not None
    assert after_sealing["state"] == "issued"
    assert after_sealing["issued_notation"] == sealed.json()["notation"]
    assert after_sealing["issued_document_id"] == sealed.json()["document_id"]
    assert refused.status_code == 403
