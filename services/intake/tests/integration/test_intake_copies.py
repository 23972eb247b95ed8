"""Copies and appendices are signed here too (issue 14, ADR 0019 addendum): a sao y or trích sao
of a document the agency holds is signed by the leader (his key in the real SoftHSM2 token) and
numbered and sealed by the clerk, a paper document's scan becomes its electronic copy with the
conversion mark and the agency's signature, and the appendices of an outgoing document get the
agency's signature at the top right of their first page; pyHanko and poppler's pdfsig verify
every signature, and pdftotext reads what the copy says."""

from __future__ import annotations

import hashlib
import json
import secrets
import subprocess
import tempfile
import uuid
from typing import Any

import httpx
import pytest
from harness.polling import eventually
from harness.samples import sample_event
from intake_testkit import events_keyed, header, metadata
from signing_testkit import (
    FONT,
    REMOTE_LEADERS,
    SIGNING_AGENCY,
    SIGNING_AGENCY_NAME,
    TOKEN_LEADER,
    TOKEN_LEADER_NAME,
    draft_pdf,
    pdf_tool,
    red_pixels,
    rendered_page,
    store_draft,
)
from vanthu_intake.handlers import reservation_id_of

pytestmark = pytest.mark.integration

DECISION = {
    "document_type": "QĐ",
    "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
    "signer": {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": "Lê Văn C"},
    "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
}
COPY_SIGNER = {
    "competence": "TL. CHỦ TỊCH",
    "position": "Chánh Văn phòng",
    "full_name": TOKEN_LEADER_NAME,
}


def _client(intake: Any, user: str, role: str) -> httpx.AsyncClient:
    return intake.client(user, SIGNING_AGENCY, role)


def _pages_pdf(count: int, marker: str) -> bytes:
    """A born-digital PDF whose page N says "Trang N" and `marker`."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=14)
    for page in range(1, count + 1):
        pdf.add_page()
        pdf.multi_cell(0, 10, f"Trang {page} của văn bản {marker}: nội dung tiếng Việt có dấu")
    return bytes(pdf.output())


async def _register(clerk: httpx.AsyncClient, pdf: bytes, **changes: Any) -> str:
    meta = metadata(page_count=1, **changes)
    answer = await clerk.post(
        "/v1/documents",
        data={"metadata": json.dumps(meta, ensure_ascii=False)},
        files=[("file", ("van-ban.pdf", pdf, "application/pdf"))],
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def _file(clerk: httpx.AsyncClient, document_id: str, role: str = "original") -> bytes:
    links = (await clerk.get(f"/v1/documents/{document_id}/files")).json()["items"]
    (wanted,) = [link for link in links if link["file"]["role"] == role]
    async with httpx.AsyncClient() as anonymous:
        return (await anonymous.get(wanted["url"])).content


def _page_count(pdf: bytes) -> int:
    info = pdf_tool("pdfinfo", data=pdf)
    (line,) = [line for line in info.splitlines() if line.startswith("Pages:")]
    return int(line.split()[1])


def _page_text(pdf: bytes, page: int) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", handle.name, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout


async def _copy(leader: httpx.AsyncClient, source_id: str, kind: str, **more: Any) -> Any:
    return await leader.post(
        "/v1/copies",
        json={"source_document_id": source_id, "kind": kind, "signer": COPY_SIGNER, **more},
    )


async def _seal_copy(clerk: httpx.AsyncClient, copy_id: str) -> Any:
    return await clerk.post(
        f"/v1/copies/{copy_id}/seals", json={"agency_abbreviation": "UBND", "place": "Vinh"}
    )


def _dark_pixels(image: Any, box: tuple[int, int, int, int]) -> int:
    return sum(1 for r, g, b in image.crop(box).get_flattened_data() if r < 100 and g < 100)


async def test_a_sao_y_is_signed_by_the_leader_numbered_and_sealed_and_both_signatures_verify(
    signing_intake,
) -> None:
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        source_id = await _register(clerk, _pages_pdf(2, secrets.token_hex(3)))
        signed = await _copy(leader, source_id, "sao_y")
        assert signed.status_code == 201, signed.text
        copy_id = signed.json()["copy_id"]
        sealed = await _seal_copy(clerk, copy_id)
        again = await _seal_copy(clerk, copy_id)
        shown = await clerk.get(f"/v1/copies/{copy_id}")
        report = (await clerk.get(f"/v1/outgoing-documents/{copy_id}/signatures")).json()
        pdf = await _file(clerk, copy_id)
        day = shown.json()["issued_date"]
        register = await clerk.get("/v1/registers/copies.pdf", params={"from": day, "to": day})

    assert signed.json()["state"] == "signed"
    assert sealed.status_code == 201, sealed.text
    notation = sealed.json()["notation"]
    assert notation.endswith("/SY-UBND")
    assert again.json()["notation"] == notation
    assert shown.json()["state"] == "registered"
    assert shown.json()["source_document_id"] == source_id
    # The source's two pages, then the copy's form block.
    assert _page_count(pdf) == 3
    assert "Trang 2 của văn bản" in _page_text(pdf, 2)
    form = _page_text(pdf, 3)
    assert "SAO Y" in form
    assert SIGNING_AGENCY_NAME.upper() in form
    assert f"Số: {notation}" in form
    assert "Vinh, ngày" in form
    assert TOKEN_LEADER_NAME in form
    assert "TL. CHỦ TỊCH" in form
    # pyHanko: the leader's signature then the agency's, both valid and trusted.
    assert report["valid"] is True
    leader_sig, seal_sig = report["signatures"]
    assert TOKEN_LEADER_NAME in leader_sig["signer"]
    assert SIGNING_AGENCY_NAME in seal_sig["signer"]
    assert (leader_sig["changes_after"], leader_sig["changes_permitted"]) == ("form_filling", True)
    # poppler's pdfsig agrees.
    assert pdf_tool("pdfsig", data=pdf).count("Signature is Valid.") == 2
    # The copies register of the year lists it under its own number.
    assert register.status_code == 200, register.text
    printed = " ".join(pdf_tool("pdftotext", data=register.content).split())
    assert "SỔ ĐĂNG KÝ BẢN SAO VĂN BẢN" in printed
    assert notation in printed
    assert "Bản sao y" in printed
    # The form block as a reader sees it: text drawn, the seal in red over the signature.
    page = rendered_page(pdf, 3)
    assert _dark_pixels(page, (40, 60, 560, 300)) > 500
    assert red_pixels(page, (270, 140, 410, 300)) > 200


async def test_a_trich_sao_holds_exactly_the_chosen_pages_in_their_order(signing_intake) -> None:
    marker = secrets.token_hex(3)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        source_id = await _register(clerk, _pages_pdf(4, marker))
        signed = await _copy(leader, source_id, "trich_sao", pages=[3, 1])
        assert signed.status_code == 201, signed.text
        sealed = await _seal_copy(clerk, signed.json()["copy_id"])
        assert sealed.status_code == 201, sealed.text
        pdf = await _file(clerk, signed.json()["copy_id"])
        # The clerk's lists find it among the copies, and its page names its source.
        copies = (await clerk.get("/v1/documents", params={"kind": "copy"})).json()["items"]
        seen = (await clerk.get(f"/v1/documents/{signed.json()['copy_id']}")).json()

    assert signed.json()["copy_id"] in [c["id"] for c in copies]
    assert {c["kind"] for c in copies} == {"copy"}
    assert seen["copy_of"]["document_id"] == source_id
    assert (seen["copy_of"]["kind"], seen["copy_of"]["pages"]) == ("trich_sao", [3, 1])
    assert sealed.json()["pages"] == [3, 1]
    assert _page_count(pdf) == 3
    assert f"Trang 3 của văn bản {marker}" in _page_text(pdf, 1)
    assert f"Trang 1 của văn bản {marker}" in _page_text(pdf, 2)
    form = _page_text(pdf, 3)
    assert "TRÍCH SAO" in form
    assert f"Số: {sealed.json()['notation']}" in form
    assert sealed.json()["notation"].endswith("/TrS-UBND")
    assert pdf_tool("pdfsig", data=pdf).count("Signature is Valid.") == 2


async def test_bad_copy_requests_are_refused_naming_the_field_and_nothing_is_numbered(
    signing_intake,
) -> None:
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "lanhdao-khong-khoa-" + secrets.token_hex(3), "leader") as keyless,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        source_id = await _register(clerk, _pages_pdf(2, secrets.token_hex(3)))
        secret_id = await _register(
            clerk,
            _pages_pdf(1, secrets.token_hex(3)),
            confidentiality="Mật",
            allowed_user_ids=["nguoi-duoc-xem"],
        )
        first = await _seal_copy(clerk, (await _copy(leader, source_id, "sao_y")).json()["copy_id"])
        unknown_id = str(uuid.uuid4())
        unknown = await _copy(leader, unknown_id, "sao_y")
        not_his = await _copy(leader, secret_id, "sao_y")
        out_of_range = await _copy(leader, source_id, "trich_sao", pages=[1, 3])
        twice = await _copy(leader, source_id, "trich_sao", pages=[2, 2])
        none_chosen = await _copy(leader, source_id, "trich_sao")
        pages_of_sao_y = await _copy(leader, source_id, "sao_y", pages=[1])
        no_key = await _copy(keyless, source_id, "sao_y")
        no_such_copy = await _seal_copy(clerk, str(uuid.uuid4()))
        following = await _seal_copy(
            clerk, (await _copy(leader, source_id, "sao_y")).json()["copy_id"]
        )

    def field(answer: Any) -> list[Any]:
        assert answer.status_code == 422, answer.text
        return [problem["loc"] for problem in answer.json()["detail"]]

    assert field(unknown) == [["source_document_id"]]
    # A confidential document the leader is not named on answers as if it did not exist.
    assert field(not_his) == [["source_document_id"]]
    said = [a.json()["detail"][0]["msg"] for a in (not_his, unknown)]
    assert said[0].replace(secret_id, "…") == said[1].replace(unknown_id, "…")
    assert field(out_of_range) == [["pages", 1]]
    assert "văn bản gốc" in out_of_range.json()["detail"][0]["msg"]
    assert field(twice) == [["pages", 1]]
    assert field(none_chosen) == [["pages"]]
    assert field(pages_of_sao_y) == [["pages"]]
    assert no_key.status_code == 409, no_key.text
    assert no_key.json()["detail"][0]["state"] == "unknown_key"
    assert no_such_copy.status_code == 404
    # None of the refused requests took a number: the next copy has the next one.
    first_number = int(first.json()["notation"].split("/")[0])
    assert int(following.json()["notation"].split("/")[0]) == first_number + 1


async def test_a_copy_changed_after_its_signatures_is_detected(signing_intake) -> None:
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        source_id = await _register(clerk, _pages_pdf(1, secrets.token_hex(3)))
        copy_id = (await _copy(leader, source_id, "sao_y")).json()["copy_id"]
        assert (await _seal_copy(clerk, copy_id)).status_code == 201
        pdf = await _file(clerk, copy_id)
    at = pdf.index(b"stream") + 40
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]

    assert pdf_tool("pdfsig", data=pdf).count("Signature is Valid.") == 2
    assert pdf_tool("pdfsig", data=tampered).count("Signature is Valid.") < 2


async def test_a_paper_documents_scan_becomes_an_electronic_copy_with_the_conversion_mark(
    signing_intake,
) -> None:
    clerk_id = "vanthu-" + secrets.token_hex(3)
    async with (
        _client(signing_intake, clerk_id, "clerk") as clerk,
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
    ):
        paper_id = await _register(clerk, _pages_pdf(2, secrets.token_hex(3)), channel="paper")
        electronic_id = await _register(clerk, _pages_pdf(1, secrets.token_hex(3)))
        converted = await clerk.post(
            "/v1/copies/conversions", json={"source_document_id": paper_id}
        )
        again = await clerk.post("/v1/copies/conversions", json={"source_document_id": paper_id})
        not_paper = await clerk.post(
            "/v1/copies/conversions", json={"source_document_id": electronic_id}
        )
        by_a_leader = await leader.post(
            "/v1/copies/conversions", json={"source_document_id": paper_id}
        )
        assert converted.status_code == 201, converted.text
        copy_id = converted.json()["copy_id"]
        report = (await clerk.get(f"/v1/outgoing-documents/{copy_id}/signatures")).json()
        pdf = await _file(clerk, copy_id)

    assert converted.json()["kind"] == "converted"
    assert again.json()["copy_id"] == copy_id
    assert not_paper.status_code == 422
    assert not_paper.json()["detail"][0]["loc"] == ["source_document_id"]
    assert by_a_leader.status_code == 403
    first_page = _page_text(pdf, 1)
    assert "ĐÃ CHUYỂN ĐỔI TỪ VĂN BẢN GIẤY" in " ".join(first_page.split())
    assert clerk_id in first_page
    assert "Thời điểm: 20" in first_page
    assert "Trang 1 của văn bản" in first_page
    assert _page_count(pdf) == 2
    (seal,) = report["signatures"]
    assert SIGNING_AGENCY_NAME in seal["signer"]
    assert report["valid"] is True
    assert pdf_tool("pdfsig", data=pdf).count("Signature is Valid.") == 1
    # The mark is drawn at the top right of the first page, not blank.
    page = rendered_page(pdf, 1)
    assert _dark_pixels(page, (300, 5, 590, 75)) > 100


async def _approve_with_appendices(
    publisher: Any, platform_settings: Any, appendices: list[tuple[str, bytes, str]]
) -> str:
    draft_id = f"draft-{secrets.token_hex(5)}"
    main = await store_draft(platform_settings, draft_pdf())
    files = []
    for name, data, media_type in appendices:
        ref = await store_draft(platform_settings, data)
        files.append(ref.model_copy(update={"name": name, "media_type": media_type}))
    await publisher.publish(
        sample_event(
            "vanthu.routing.draft.approved.v1",
            agency_code=SIGNING_AGENCY,
            draft_id=draft_id,
            file=main,
            attachments=tuple(files),
        )
    )
    return draft_id


async def _sign_draft(leader: httpx.AsyncClient, draft_id: str) -> None:
    async def signed() -> httpx.Response | None:
        answer = await leader.post(
            "/v1/outgoing-documents/signatures",
            json={"draft_ids": [draft_id], "signer": COPY_SIGNER},
        )
        return None if answer.status_code == 422 else answer

    answer = await eventually(signed, timeout=60, what="the approved draft in intake")
    assert answer.status_code == 201, answer.text


async def _sign_and_seal(
    leader: httpx.AsyncClient, clerk: httpx.AsyncClient, draft_id: str
) -> httpx.Response:
    """The leader signs the approved draft; the clerk's answer to numbering and sealing it."""
    await _sign_draft(leader, draft_id)
    return await clerk.post(
        "/v1/outgoing-documents/seals",
        json={"draft_id": draft_id, "metadata": DECISION, "agency_abbreviation": "UBND"},
    )


async def test_an_appendix_in_a_file_of_its_own_gets_the_agencys_signature_when_issued(
    signing_intake, publisher, platform_settings
) -> None:
    appendix = _pages_pdf(2, "phụ lục " + secrets.token_hex(3))
    draft_id = await _approve_with_appendices(
        publisher, platform_settings, [("phu-luc-1.pdf", appendix, "application/pdf")]
    )
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        issued = await _sign_and_seal(leader, clerk, draft_id)
        assert issued.status_code == 201, issued.text
        document_id = issued.json()["document_id"]
        report = (await clerk.get(f"/v1/outgoing-documents/{document_id}/signatures")).json()
        signed_appendix = await _file(clerk, document_id, role="attachment")

    notation = issued.json()["notation"]
    original, attached = report["files"]
    assert (original["role"], len(original["signatures"])) == ("original", 2)
    assert attached["role"] == "attachment"
    (seal,) = attached["signatures"]
    assert SIGNING_AGENCY_NAME in seal["signer"]
    assert (attached["valid"], report["valid"]) == (True, True)
    assert pdf_tool("pdfsig", data=signed_appendix).count("Signature is Valid.") == 1
    first_page = " ".join(_page_text(signed_appendix, 1).split())
    assert f"Kèm theo văn bản số: {notation}" in first_page
    assert "Trang 1 của văn bản phụ lục" in first_page
    # Top right of its first page, text only: no red seal drawn.
    page = rendered_page(signed_appendix, 1)
    assert _dark_pixels(page, (330, 5, 590, 75)) > 100
    assert red_pixels(page, (0, 0, page.width, page.height)) == 0
    # The issued event names the appendix beside the original: the exchange sends both.
    published = await eventually(
        lambda: events_keyed(
            platform_settings.kafka.bootstrap_servers, "document.received", document_id
        ),
        what="OutgoingDocumentIssued on document.received",
    )
    (issued_event,) = [
        json.loads(m.value)
        for m in published
        if header(m, "ce_type") == "vanthu.intake.outgoing-document.issued.v1"
    ]
    assert [(f["role"], f["name"]) for f in issued_event["files"]] == [
        ("original", original["name"]),
        ("attachment", "phu-luc-1.pdf"),
    ]


def _locked_pdf() -> bytes:
    import io

    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(_pages_pdf(1, "khóa"))) as document:
        document.save(out, encryption=pikepdf.Encryption(owner="chu", user="mo-khoa"))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "media_type"),
    [
        ("phu-luc.docx", lambda: b"PK\x03\x04 not really", "application/msword"),
        ("phu-luc.pdf", _locked_pdf, "application/pdf"),
    ],
)
async def test_an_appendix_that_cannot_be_signed_is_refused_before_a_number_is_taken(
    signing_intake, publisher, platform_settings, name, make, media_type
) -> None:
    draft_id = await _approve_with_appendices(
        publisher, platform_settings, [(name, make(), media_type)]
    )
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        refused = await _sign_and_seal(leader, clerk, draft_id)
        numbered = await clerk.get(f"/v1/documents/{reservation_id_of(SIGNING_AGENCY, draft_id)}")

    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["draft_id"]
    assert f"phụ lục 1 ({name})" in refused.json()["detail"][0]["msg"]
    assert numbered.status_code == 404


async def test_a_copy_of_a_confidential_document_is_read_only_by_those_who_may_read_it(
    signing_intake,
) -> None:
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as registering,
        _client(signing_intake, "vanthu-khac-" + secrets.token_hex(3), "clerk") as other,
    ):
        secret_id = await _register(
            registering,
            _pages_pdf(1, secrets.token_hex(3)),
            confidentiality="Mật",
            allowed_user_ids=[TOKEN_LEADER],
        )
        signed = await _copy(leader, secret_id, "sao_y")
        assert signed.status_code == 201, signed.text
        copy_id = signed.json()["copy_id"]
        by_other = await _seal_copy(other, copy_id)
        sealed = await _seal_copy(registering, copy_id)
        read_by_leader = await leader.get(f"/v1/documents/{copy_id}")
        read_by_other = await other.get(f"/v1/documents/{copy_id}")
        listed_by_other = await other.get(f"/v1/copies/{copy_id}")

    assert by_other.status_code == 404
    assert sealed.status_code == 201, sealed.text
    assert read_by_leader.status_code == 200
    assert read_by_leader.json()["metadata"]["confidentiality"] == "confidential"
    assert (read_by_other.status_code, listed_by_other.status_code) == (404, 404)


async def test_a_copy_the_leader_refuses_on_his_phone_answers_rejected(
    signing_intake, remote_simulator
) -> None:
    leader_id = REMOTE_LEADERS["reject"]
    remote_simulator.configure(leader_id, common_name="Phạm Thị Dung", behaviour="reject")
    async with (
        _client(signing_intake, leader_id, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        source_id = await _register(clerk, _pages_pdf(1, secrets.token_hex(3)))
        refused = await _copy(leader, source_id, "sao_y")

    assert refused.status_code == 409, refused.text
    (problem,) = refused.json()["detail"]
    assert (problem["field"], problem["state"]) == ("signature", "rejected")
    assert "copy_id" not in refused.text


async def test_a_sao_y_of_an_issued_document_shows_its_signatures_and_carries_only_its_own(
    signing_intake, publisher, platform_settings
) -> None:
    draft_id = await _approve_with_appendices(publisher, platform_settings, [])
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, "vanthu-" + secrets.token_hex(3), "clerk") as clerk,
    ):
        issued = await _sign_and_seal(leader, clerk, draft_id)
        assert issued.status_code == 201, issued.text
        signed = await _copy(leader, issued.json()["document_id"], "sao_y")
        assert signed.status_code == 201, signed.text
        sealed = await _seal_copy(clerk, signed.json()["copy_id"])
        assert sealed.status_code == 201, sealed.text
        report = (
            await clerk.get(f"/v1/outgoing-documents/{signed.json()['copy_id']}/signatures")
        ).json()
        pdf = await _file(clerk, signed.json()["copy_id"])

    # The issued document's page as it was: its number, its seal drawn in red.
    assert f"Số: {issued.json()['notation']}" in _page_text(pdf, 1)
    assert red_pixels(rendered_page(pdf, 1), (270, 600, 410, 770)) > 200
    # Its signatures are part of the copied page now; the copy's own two are what verify.
    assert [s["field_name"] for s in report["signatures"]] == [
        "chu_ky_nguoi_co_tham_quyen",
        "chu_ky_co_quan",
    ]
    assert report["valid"] is True
    assert pdf_tool("pdfsig", data=pdf).count("Signature is Valid.") == 2


async def _copy_events(platform_settings: Any, copy_id: str) -> list[Any]:
    async def announced() -> list[Any]:
        published = await events_keyed(
            platform_settings.kafka.bootstrap_servers, "document.received", copy_id
        )
        return [
            json.loads(m.value)
            for m in published
            if header(m, "ce_type") == "vanthu.intake.copy.issued.v1"
        ]

    return await eventually(announced, what="CopyIssued on document.received")


async def test_a_sealed_sao_y_is_announced_once_with_who_signed_and_sealed_it_and_its_readers(
    signing_intake, platform_settings
) -> None:
    clerk_id = "vanthu-" + secrets.token_hex(3)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, clerk_id, "clerk") as clerk,
    ):
        source_id = await _register(
            clerk,
            _pages_pdf(1, secrets.token_hex(3)),
            confidentiality="Mật",
            allowed_user_ids=[TOKEN_LEADER],
        )
        copy_id = (await _copy(leader, source_id, "sao_y")).json()["copy_id"]
        sealed = await _seal_copy(clerk, copy_id)
        assert sealed.status_code == 201, sealed.text
        assert (await _seal_copy(clerk, copy_id)).status_code == 201
        pdf = await _file(clerk, copy_id)

    (event,) = await _copy_events(platform_settings, copy_id)
    assert (event["kind"], event["source_document_id"]) == ("sao_y", source_id)
    notation = sealed.json()["notation"]
    assert f"{event['code_number']}/{event['code_notation']}" == notation
    assert event["year"] == int(sealed.json()["issued_date"][:4])
    assert event["signer"]["full_name"] == TOKEN_LEADER_NAME
    assert event["signed_by"]["user_id"] == TOKEN_LEADER
    assert event["sealed_by"]["user_id"] == clerk_id
    assert event["subject"] == metadata()["subject"]
    # The file the archive keeps for fixity is the sealed copy the clerk downloads.
    assert event["file"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    # As confidential as its source, and for the same people.
    assert event["confidentiality"] == "confidential"
    assert set(event["readers"]) == {TOKEN_LEADER, clerk_id}


async def test_a_paper_documents_electronic_copy_is_announced_once_without_a_number(
    signing_intake, platform_settings
) -> None:
    clerk_id = "vanthu-" + secrets.token_hex(3)
    async with _client(signing_intake, clerk_id, "clerk") as clerk:
        paper_id = await _register(clerk, _pages_pdf(1, secrets.token_hex(3)), channel="paper")
        converted = await clerk.post(
            "/v1/copies/conversions", json={"source_document_id": paper_id}
        )
        assert converted.status_code == 201, converted.text
        copy_id = converted.json()["copy_id"]
        again = await clerk.post("/v1/copies/conversions", json={"source_document_id": paper_id})
        assert again.json()["copy_id"] == copy_id
        pdf = await _file(clerk, copy_id)

    (event,) = await _copy_events(platform_settings, copy_id)
    assert (event["kind"], event["source_document_id"]) == ("conversion", paper_id)
    assert not {"code_number", "code_notation", "year", "signer", "signed_by"} & set(event)
    assert event["sealed_by"]["user_id"] == clerk_id
    assert event["file"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert (event["confidentiality"], event["readers"]) == ("normal", [])


async def test_the_clerk_who_registered_a_confidential_document_reads_its_copy_sealed_by_another(
    signing_intake, platform_settings
) -> None:
    registering_id = "vanthu-" + secrets.token_hex(3)
    sealing_id = "vanthu-duoc-xem-" + secrets.token_hex(3)
    async with (
        _client(signing_intake, TOKEN_LEADER, "leader") as leader,
        _client(signing_intake, registering_id, "clerk") as registering,
        _client(signing_intake, sealing_id, "clerk") as sealing,
        _client(signing_intake, "vanthu-khac-" + secrets.token_hex(3), "clerk") as other,
    ):
        secret_id = await _register(
            registering,
            _pages_pdf(1, secrets.token_hex(3)),
            confidentiality="Mật",
            allowed_user_ids=[TOKEN_LEADER, sealing_id],
        )
        copy_id = (await _copy(leader, secret_id, "sao_y")).json()["copy_id"]
        sealed = await _seal_copy(sealing, copy_id)
        assert sealed.status_code == 201, sealed.text
        read_by_registering = await registering.get(f"/v1/documents/{copy_id}")
        read_by_other = await other.get(f"/v1/documents/{copy_id}")

    # Whoever may read the source may read its copy: here, and in the event the archive reads.
    assert read_by_registering.status_code == 200, read_by_registering.text
    assert read_by_other.status_code == 404
    (event,) = await _copy_events(platform_settings, copy_id)
    assert set(event["readers"]) == {TOKEN_LEADER, sealing_id, registering_id}
