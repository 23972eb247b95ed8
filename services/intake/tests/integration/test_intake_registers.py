"""The printed registers, read back as text the way a clerk reads the paper."""

from __future__ import annotations

from datetime import UTC, datetime

from intake_testkit import form, metadata, pdf_text, tiny_pdf
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
