"""The typed document answers (DocumentOut, FileOut) send the very bytes the untyped dicts of
`document_view` sent, for every kind of document: keys left out stay out, nulls stay null, the
order of keys is kept (ADR 0013 addendum)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, serialize_response
from harness.pdfs import one_page_pdf
from harness.samples import sample_event
from intake_fakes import (
    FakeClaimBook,
    FakeDocumentRepository,
    FakeFileStore,
    FakeNumberRegister,
    FakePdfText,
)
from vanthu_contracts import decode_record, encode
from vanthu_contracts.events.values import FileRef, StaffInfo, StatusCode, TransportState
from vanthu_intake import handlers, imports
from vanthu_intake.api.documents import _file_view, document_view
from vanthu_intake.api.documents import router as documents_router
from vanthu_intake.api.views import document_json
from vanthu_intake.domain.legacy_import import LegacyDocumentRecord
from vanthu_intake.domain.metadata import IncomingDocumentMetadata, OutgoingDocumentMetadata
from vanthu_intake.handlers import Registry, StatusDesk, UploadedFile
from vanthu_intake.handlers.copies import _copy_record
from vanthu_runtime.auth import Principal, Role

AGENCY = "000.00.00.H41"
CLERK = Principal(
    user_id="vt01", agency_code=AGENCY, roles=frozenset({Role.CLERK}), full_name="Văn thư"
)
MOHA = "000.00.00.G09"
PDF = one_page_pdf()
INCOMING = {
    "channel": "electronic",
    "issuer": {"name": "Bộ Nội vụ"},
    "document_type": "QĐ",
    "code_number": "15",
    "code_notation": "QĐ-BNV",
    "issued_date": "2026-03-02",
    "subject": "Về việc ban hành Quy chế",
    "page_count": 1,
    "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
}
OUTGOING = {
    "document_type": "QĐ",
    "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
    "signer": {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": "Lê C"},
    "recipients": [
        {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
        {"name": "Văn phòng", "unit_id": "u-vp"},
    ],
}


def registry() -> Registry:
    return Registry(
        FakeDocumentRepository(),
        FakeNumberRegister(),
        FakeFileStore(),
        FakeClaimBook(),
        pdf_text=FakePdfText(),
    )


def route(path: str, method: str) -> APIRoute:
    (found,) = (
        r
        for r in documents_router.routes
        if isinstance(r, APIRoute) and r.path == path and method in r.methods
    )
    return found


def as_before(view: dict[str, Any]) -> bytes:
    """What an untyped dict answer was: FastAPI's encoding, rendered by JSONResponse."""
    return JSONResponse(jsonable_encoder(view)).body


async def as_now(view: dict[str, Any]) -> bytes:
    """What GET /v1/documents/{id} answers now: its model, through its own response field."""
    from vanthu_intake.api.views import document_out

    answer = route("/v1/documents/{document_id}", "GET")
    content = await serialize_response(
        field=answer.response_field,
        response_content=document_out(view),
        exclude_unset=answer.response_model_exclude_unset,
    )
    return JSONResponse(content).body


async def incoming_with_facts(reg: Registry) -> dict[str, Any]:
    record = await handlers.register_document(
        reg,
        principal=CLERK,
        metadata=IncomingDocumentMetadata.model_validate(INCOMING),
        uploads=[UploadedFile("a.pdf", PDF + b"1"), UploadedFile("b.pdf", PDF + b"2")],
        register_anyway_reason=None,
    )
    file_id = record["files"][0]["file_id"]
    now = datetime.now(UTC)
    derivative = {**record["files"][0], "file_id": "d1", "role": "ocr_derivative"}
    facts = [
        {
            "kind": "ocr",
            "file_id": file_id,
            "ocr": {
                "derivative": derivative,
                "text_key": "k",
                "text": "QUYẾT ĐỊNH",
                "pages": [
                    {"number": 1, "confidence": 0.91, "needs_review": False},
                    {"number": 2, "confidence": 1, "needs_review": False},
                ],
                "needs_review": False,
                "digitized_at": now,
                "derivative_problems": [],
            },
        },
        {"kind": "ocr", "file_id": record["files"][1]["file_id"], "ocr": {"error": "x"}},
        {
            "kind": "signature",
            "file_id": file_id,
            "signature": {
                "result": "valid",
                "reason": None,
                "signers": [
                    {"subject": "CN=B", "issuer": "CN=CA", "serial_number": "1", "signed_at": now}
                ],
                "checked_at": now,
            },
        },
    ]
    return handlers.with_facts(record, facts)


async def kinds() -> dict[str, dict[str, Any]]:
    reg = registry()
    found: dict[str, dict[str, Any]] = {}
    found["incoming with OCR and signatures"] = await incoming_with_facts(reg)
    meta = IncomingDocumentMetadata.model_validate({**INCOMING, "code_number": "16"})
    first = await handlers.register_document(
        reg, principal=CLERK, metadata=meta, uploads=[UploadedFile("c.pdf", PDF + b"3")]
    )
    found["incoming registered anyway"] = await handlers.register_document(
        reg,
        principal=CLERK,
        metadata=meta,
        uploads=[UploadedFile("d.pdf", PDF + b"4")],
        register_anyway_reason="bản sao có bút phê",
    )
    found["incoming voided by the clerk"] = await handlers.void_document(
        reg, principal=CLERK, document_id=first["_id"], reason="đăng ký nhầm"
    )
    key = handlers.register_key(AGENCY, handlers.Register.INCOMING, datetime.now(UTC))
    await reg.numbers.reserve(key, "died-before-storing")
    await handlers.reconcile_reservations(reg, timedelta(0))
    found["void number"] = next(
        d
        for d in reg.documents.saved.values()
        if d["_id"] not in {first["_id"]} and d["status"] == "void" and d.get("files") == []
    )
    package = sample_event("vanthu.exchange.package.received.v1", package_id="p-1", attachments=())
    decoded = decode_record(encode(package, source="/vanthu/exchange"))
    await handlers.receive_package(
        reg, StatusDesk("Văn thư", "Tiếp nhận"), package, decoded.envelope
    )
    found["package from the exchange"] = next(
        d for d in reg.documents.saved.values() if "exchange" in d
    )
    outgoing = await handlers.issue_outgoing_document(
        reg,
        principal=CLERK,
        metadata=OutgoingDocumentMetadata.model_validate(OUTGOING),
        agency_abbreviation="UBND",
        place="Vinh",
        upload=UploadedFile("qd.pdf", PDF + b"5"),
    )
    at = datetime.now(UTC)
    for report in (
        sample_event(
            "vanthu.exchange.delivery-status.changed.v1",
            document_id=outgoing["_id"],
            agency_code=AGENCY,
            recipient_agency_code=MOHA,
            transport=TransportState.DELIVERED,
            changed_at=at,
        ),
        sample_event(
            "vanthu.exchange.processing-status.received.v1",
            document_id=outgoing["_id"],
            agency_code=AGENCY,
            from_agency_code=MOHA,
            status_code=StatusCode.ACCEPTED,
            staff=StaffInfo(department="Văn phòng", name="Nguyễn Thị D"),
            reported_at=at + timedelta(minutes=1),
        ),
    ):
        envelope = decode_record(encode(report, source="/vanthu/exchange")).envelope
        assert await handlers.record_exchange_status(reg, report, envelope)
    found["outgoing sent, as read"] = await handlers.readable_document(reg, CLERK, outgoing["_id"])
    found["outgoing as issued"] = outgoing
    stored = await reg.files.put(PDF, "application/pdf")
    file = FileRef(
        file_id="f1",
        name="du-thao.pdf",
        media_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        object_key=stored.object_key,
        role="original",
    )
    draft = sample_event(
        "vanthu.routing.draft.approved.v1", agency_code=AGENCY, draft_id="draft-1", file=file
    )
    await handlers.keep_approved_draft(reg, draft)
    found["reserved outgoing"] = await handlers.reserve_outgoing_number(
        reg,
        principal=CLERK,
        draft_id="draft-1",
        metadata=OutgoingDocumentMetadata.model_validate(OUTGOING),
        agency_abbreviation="UBND",
        place=None,
    )
    source = found["incoming with OCR and signatures"]
    copy_of = {"document_id": source["_id"], "kind": "trich_sao", "pages": [1]}
    found["copy"] = {
        **_copy_record(CLERK, "copy-1", source, copy_of, datetime.now(UTC)),
        "status": "reserved",
        "register": "copies",
        "year": 2026,
        "number": 1,
        "code_number": "01",
        "code_notation": "TS-UBND",
        "issued_date": "2026-12-01",
        "place": "Vinh",
    }
    line = LegacyDocumentRecord.model_validate(
        {
            "legacy_id": "VB-1",
            "agency_code": AGENCY,
            "registered_at": "2019-03-05T08:15:00+07:00",
            "arrival_year": 2019,
            "arrival_number": 5,
            "metadata": {**INCOMING, "channel": "paper", "issued_date": "2019-03-01"},
        }
    )
    migrated = await imports.migrate_document(reg, operator=CLERK, line=line, files=[])
    found["migrated from the old system"] = migrated.record
    return found


async def test_the_cases_cover_every_optional_key_of_the_view() -> None:
    views = [document_view(r) for r in (await kinds()).values()]

    keys = set().union(*views)
    statuses = [s for v in views for s in v.get("recipient_statuses", [])]
    assert any(s["processing"] and s["processing"]["staff"] for s in statuses)
    assert {"duplicate_of", "void_reason", "voided_at", "legacy_id", "exchange"} <= keys
    assert {"send_requested_to", "recipient_statuses", "approved_draft", "copy_of"} <= keys
    assert {"arrival_number", "code_notation", "document_code", "place"} <= keys


@pytest.mark.parametrize(
    "kind",
    [
        "incoming with OCR and signatures",
        "incoming registered anyway",
        "incoming voided by the clerk",
        "void number",
        "package from the exchange",
        "outgoing sent, as read",
        "outgoing as issued",
        "reserved outgoing",
        "copy",
        "migrated from the old system",
    ],
)
async def test_a_document_answers_the_same_bytes_as_the_untyped_view(kind: str) -> None:
    record = (await kinds())[kind]
    view = document_view(record, send_silence=timedelta(hours=1))

    now = await as_now(view)

    assert now == as_before(view)
    assert json.loads(now) == jsonable_encoder(view)
    assert JSONResponse(document_json(view)).body == as_before(view)


async def test_a_file_link_answers_the_same_file_as_before() -> None:
    record = await incoming_with_facts(registry())
    links = route("/v1/documents/{document_id}/files", "GET")
    from vanthu_intake.api.documents import FileLink, FileLinks
    from vanthu_intake.api.views import file_out

    files = [_file_view(f) for f in record["files"]]
    content = await serialize_response(
        field=links.response_field,
        response_content=FileLinks(
            items=[FileLink(url="u", expires_in_s=60, file=file_out(f)) for f in files]
        ),
        exclude_unset=links.response_model_exclude_unset,
    )

    before = {"items": [{"url": "u", "expires_in_s": 60, "file": f} for f in files]}
    assert JSONResponse(content).body == as_before(before)
