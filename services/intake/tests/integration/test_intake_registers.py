"""The printed registers, read back as text the way a clerk reads the paper."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from intake_testkit import NAMED_AGENCY, NAMED_AGENCY_NAME, form, metadata, pdf_text, tiny_pdf
from pymongo import AsyncMongoClient
from vanthu_intake.adapters.mongo_document_repository import MongoDocumentRepository
from vanthu_intake.domain.vietnam_time import vietnam_today


async def _incoming_register(clerk) -> str:
    today = vietnam_today().isoformat()
    response = await clerk.get("/v1/registers/incoming.pdf", params={"from": today, "to": today})
    assert response.status_code == 200, response.text
    return pdf_text(response.content)


async def test_a_voided_entry_prints_hủy_with_its_reason(clerk) -> None:
    created = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()
    voided = await clerk.post(
        f"/v1/documents/{created['id']}/void", json={"reason": "đăng ký nhầm văn bản"}
    )
    assert voided.status_code == 200, voided.text

    text = await _incoming_register(clerk)

    assert f"Hủy: đăng ký nhầm văn bản (ngày {vietnam_today():%d/%m/%Y})" in text


async def test_an_entry_voided_before_reasons_were_kept_on_the_document_prints_its_reason(
    intake, clerk, servers
) -> None:
    created = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()
    # How the earlier version voided: the status on the document, the reason in a `void` fact.
    client: AsyncMongoClient = AsyncMongoClient(servers.mongo_uri, tz_aware=True)
    try:
        documents = MongoDocumentRepository(client[intake.env["VANTHU_MONGO_DATABASE"]])
        await documents.void(created["id"], {}, [])
        now = datetime.now(UTC)
        await documents.add_fact(
            {
                "_id": f"{created['id']}:void",
                "document_id": created["id"],
                "kind": "void",
                "recorded_at": now,
                "void": {"reason": "trùng với văn bản số đến 12", "voided_at": now},
            },
            [],
        )
    finally:
        await client.close()

    text = await _incoming_register(clerk)

    assert "Hủy: trùng với văn bản số đến 12" in text


def _without_iso_dates_or_codes(text: str, *codes: str) -> None:
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None, text
    for code in codes:
        assert code not in text


async def test_the_incoming_register_has_every_column_of_the_nd30_form_names_and_dd_mm_yyyy(
    intake,
) -> None:
    async with intake.client("vt-in", NAMED_AGENCY, "clerk") as clerk:
        meta = metadata(
            issuer={"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            recipients=["Phòng Tổ chức cán bộ"],
        )
        created = await clerk.post("/v1/documents", **form(meta, ("a.pdf", tiny_pdf())))
        assert created.status_code == 201, created.text
        text = await _incoming_register(clerk)

    assert text.startswith(f"{NAMED_AGENCY_NAME.upper()} SỔ ĐĂNG KÝ VĂN BẢN ĐẾN")
    headers = (
        "Ngày đến Số đến Tác giả Số, ký hiệu Ngày văn bản Tên loại và trích yếu nội dung "
        "Đơn vị hoặc người nhận Ngày chuyển Ký nhận Ghi chú"
    )
    assert headers in text
    today = f"{vietnam_today():%d/%m/%Y}"
    entry = (
        f"{today} 1 Bộ Nội vụ {meta['code_number']}/QĐ-BNV 02/03/2026 "
        "Quyết định: Về việc ban hành Quy chế công tác văn thư Phòng Tổ chức cán bộ"
    )
    assert entry in text
    _without_iso_dates_or_codes(text, NAMED_AGENCY, "000.00.00.G09")


async def test_the_outgoing_register_has_every_column_of_the_nd30_form_names_and_dd_mm_yyyy(
    intake,
) -> None:
    meta = {
        "document_type": "Công văn",
        "subject": "Về việc báo cáo công tác văn thư",
        "signer": {"position": "Chánh Văn phòng", "full_name": "Lê Văn Cường"},
        "recipients": [
            {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            {"name": "Phòng Văn xã", "unit_id": "unit-vx"},
        ],
        "drafting_unit_abbreviation": "VX",
    }
    today = vietnam_today()
    async with intake.client("vt-out", NAMED_AGENCY, "clerk") as clerk:
        issued = await clerk.post(
            "/v1/outgoing-documents",
            **form(meta, ("signed.pdf", tiny_pdf()), agency_abbreviation="UBND"),
        )
        assert issued.status_code == 201, issued.text
        response = await clerk.get(
            "/v1/registers/outgoing.pdf",
            params={"from": today.isoformat(), "to": today.isoformat()},
        )
    text = pdf_text(response.content)

    assert text.startswith(f"{NAMED_AGENCY_NAME.upper()} SỔ ĐĂNG KÝ VĂN BẢN ĐI")
    headers = (
        "Số, ký hiệu Ngày văn bản Tên loại và trích yếu nội dung Người ký Nơi nhận văn bản "
        "Đơn vị, người nhận bản lưu Số lượng bản Ngày chuyển Ký nhận Ghi chú"
    )
    assert headers in text
    entry = (
        f"01/UBND-VX {today:%d/%m/%Y} Công văn: Về việc báo cáo công tác văn thư Lê Văn Cường "
        f"Bộ Nội vụ; Phòng Văn xã VT, VX 2 {today:%d/%m/%Y}"
    )
    assert entry in text
    _without_iso_dates_or_codes(text, NAMED_AGENCY, "000.00.00.G09")
