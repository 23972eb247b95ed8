"""Registration use cases on fakes: numbers, duplicates, recovery, packages from the exchange."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from harness.pdfs import one_page_pdf
from harness.samples import sample_event
from intake_fakes import (
    FakeClaimBook,
    FakeDocumentRepository,
    FakeFileStore,
    FakeNumberRegister,
)
from pydantic import ValidationError
from vanthu_contracts import decode_record, encode
from vanthu_contracts.events.values import Issuer, PackageSignature, SteeringType
from vanthu_intake import handlers
from vanthu_intake.api.documents import document_view
from vanthu_intake.domain.metadata import (
    Channel,
    IncomingDocumentMetadata,
    OutgoingDocumentMetadata,
)
from vanthu_intake.handlers import Registry, StatusDesk, UploadedFile
from vanthu_runtime.auth import Principal, Role

CLERK = Principal(
    user_id="vt01", agency_code="000.00.00.H41", roles=frozenset({Role.CLERK}), full_name="Văn thư"
)
# A real one-page PDF: files are opened before they are kept; a suffix after %%EOF keeps it one.
PDF = one_page_pdf()


def registry() -> Registry:
    return Registry(
        FakeDocumentRepository(), FakeNumberRegister(), FakeFileStore(), FakeClaimBook()
    )


def metadata(number: str = "15") -> IncomingDocumentMetadata:
    return IncomingDocumentMetadata.model_validate(
        {
            "channel": "electronic",
            "issuer": {"name": "Bộ Nội vụ"},
            "document_type": "QĐ",
            "code_number": number,
            "code_notation": "QĐ-BNV",
            "issued_date": "2026-03-02",
            "subject": "Về việc ban hành Quy chế",
            "page_count": 1,
            "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
        }
    )


async def register(reg: Registry, number: str, data: bytes, reason: str | None = None):
    return await handlers.register_document(
        reg,
        principal=CLERK,
        metadata=metadata(number),
        uploads=[UploadedFile("a.pdf", data)],
        register_anyway_reason=reason,
    )


async def test_each_registration_takes_the_next_arrival_number_and_announces_it() -> None:
    reg = registry()

    first = await register(reg, "1", PDF + b"1")
    second = await register(reg, "2", PDF + b"2")

    assert (first["number"], second["number"]) == (1, 2)
    announced = [decode_record(r).event for r in reg.documents.published]
    assert [e.arrival_number for e in announced] == [1, 2]


async def test_a_duplicate_is_refused_unless_a_reason_is_given() -> None:
    reg = registry()
    first = await register(reg, "7", PDF + b"a")

    with pytest.raises(handlers.DuplicateDocument) as refused:
        await register(reg, "7", PDF + b"b")
    again = await register(reg, "7", PDF + b"b", reason="bản sao có bút phê")

    assert refused.value.existing_id == first["_id"]
    assert again["duplicate_of"] == first["_id"]


async def test_a_file_that_is_not_a_document_takes_no_number() -> None:
    reg = registry()

    with pytest.raises(handlers.UnacceptableFile):
        await register(reg, "1", b"PK\x03\x04rest-of-a-zip")

    assert reg.numbers.claims == {}


async def test_a_number_whose_document_never_came_is_written_as_void() -> None:
    reg = registry()
    key = handlers.register_key(
        CLERK.agency_code, handlers.Register.INCOMING, handlers.datetime.now(handlers.UTC)
    )
    await reg.numbers.reserve(key, "died-before-storing")

    handled = await handlers.reconcile_reservations(reg, timedelta(0))

    assert handled == 1
    (void,) = reg.documents.saved.values()
    assert (void["number"], void["status"]) == (1, "void")
    assert decode_record(reg.documents.published[0]).event.number == "1"


async def test_recovery_leaves_registered_documents_alone_and_voids_only_the_missing_one() -> None:
    reg = registry()
    first = await register(reg, "1", PDF + b"a")
    key = handlers.register_key(
        CLERK.agency_code, handlers.Register.INCOMING, handlers.datetime.now(handlers.UTC)
    )
    await reg.numbers.reserve(key, "died-before-storing")
    second = await register(reg, "3", PDF + b"c")

    voided = await handlers.reconcile_reservations(reg, timedelta(0))
    again = await handlers.reconcile_reservations(reg, timedelta(0))

    register_entries = sorted((d["number"], d["status"]) for d in reg.documents.saved.values())
    assert register_entries == [(1, "registered"), (2, "void"), (3, "registered")]
    assert (first["number"], second["number"]) == (1, 3)
    assert (voided, again) == (1, 0)


async def test_a_package_is_registered_once_and_the_sender_told_arrived_and_accepted() -> None:
    reg = registry()
    package = sample_event(
        "vanthu.exchange.package.received.v1", package_id="pkg-1", attachments=()
    )
    record = encode(package, source="/vanthu/exchange")
    decoded = decode_record(record)
    desk = StatusDesk("Văn thư", "Tiếp nhận")

    await handlers.receive_package(reg, desk, package, decoded.envelope)
    await handlers.receive_package(reg, desk, package, decoded.envelope)

    assert len(reg.documents.saved) == 1
    statuses = [
        json.loads(r.value)["status_code"]
        for r in reg.documents.published
        if r.topic == "exchange.outbound"
    ]
    assert statuses == ["01", "03"]


async def test_a_package_with_a_broken_signature_is_refused_with_the_reason() -> None:
    reg = registry()
    package = sample_event(
        "vanthu.exchange.package.received.v1",
        package_id="pkg-2",
        signature=PackageSignature.INVALID,
    )
    decoded = decode_record(encode(package, source="/vanthu/exchange"))

    await handlers.receive_package(
        reg, StatusDesk("Văn thư", "Tiếp nhận"), package, decoded.envelope
    )

    assert reg.documents.saved == {}
    (status,) = [json.loads(r.value) for r in reg.documents.published]
    assert status["status_code"] == "02"
    assert "chữ ký" in status["description"]


async def test_the_paper_copy_of_a_document_received_over_the_exchange_is_a_duplicate() -> None:
    reg = registry()
    package = sample_event(
        "vanthu.exchange.package.received.v1", package_id="pkg-3", attachments=()
    )
    decoded = decode_record(encode(package, source="/vanthu/exchange"))
    received = await handlers.receive_package(
        reg, StatusDesk("Văn thư", "Tiếp nhận"), package, decoded.envelope
    )
    assert received is not None
    paper = handlers.package_metadata(package).model_copy(update={"channel": Channel.PAPER})

    with pytest.raises(handlers.DuplicateDocument) as refused:
        await handlers.register_document(
            reg,
            principal=CLERK.model_copy(update={"agency_code": package.agency_code}),
            metadata=paper,
            uploads=[UploadedFile("scan.pdf", PDF)],
        )

    assert refused.value.existing_id == received["_id"]


async def test_a_package_registers_with_what_it_says_of_its_content_steering_sphere_and_typist():
    reg = registry()
    package = sample_event(
        "vanthu.exchange.package.received.v1",
        package_id="pkg-4",
        attachments=(),
        content="Đề nghị báo cáo trước ngày 30/11.\nMẫu kèm theo.",
        steering_type=SteeringType.STEERING,
        sphere_of_promulgation="Liên thông văn bản quốc gia",
        typer_notation="NVA",
    )
    decoded = decode_record(encode(package, source="/vanthu/exchange"))

    record = await handlers.receive_package(
        reg, StatusDesk("Văn thư", "Tiếp nhận"), package, decoded.envelope
    )

    assert record is not None
    shown = document_view(reg.documents.saved[record["_id"]])["metadata"]
    assert shown["content"] == "Đề nghị báo cáo trước ngày 30/11.\nMẫu kèm theo."
    assert shown["steering_type"] == "steering"
    assert shown["sphere_of_promulgation"] == "Liên thông văn bản quốc gia"
    assert shown["typer_notation"] == "NVA"


async def test_a_package_from_a_vdxp_test_environment_peer_registers_under_its_code():
    reg = registry()
    package = sample_event(
        "vanthu.exchange.package.received.v1",
        package_id="pkg-5",
        attachments=(),
        agency_code="vxp.saas.05",
        from_agency_code="vxp.saas.03",
        issuer=Issuer(name="Đơn vị thử nghiệm 03", agency_code="vxp.saas.03"),
    )
    decoded = decode_record(encode(package, source="/vanthu/exchange"))

    record = await handlers.receive_package(
        reg, StatusDesk("Văn thư", "Tiếp nhận"), package, decoded.envelope
    )

    assert record is not None
    saved = reg.documents.saved[record["_id"]]
    assert saved["agency_code"] == "vxp.saas.05"
    assert saved["exchange"]["sender_agency_code"] == "vxp.saas.03"
    assert saved["metadata"]["issuer"] == {
        "name": "Đơn vị thử nghiệm 03",
        "agency_code": "vxp.saas.03",
    }
    statuses = [
        json.loads(r.value)["status_code"]
        for r in reg.documents.published
        if r.topic == "exchange.outbound"
    ]
    assert statuses == ["01", "03"]


def outgoing_metadata(**more: object) -> OutgoingDocumentMetadata:
    return OutgoingDocumentMetadata.model_validate(
        {
            "document_type": "Công văn",
            "subject": "Về việc báo cáo tình hình tiếp nhận văn bản điện tử",
            "signer": {"position": "Chánh Văn phòng", "full_name": "Lê Văn Cường"},
            "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
            "drafting_unit_abbreviation": "VX",
            **more,
        }
    )


async def test_an_issued_document_tells_the_exchange_its_content_steering_sphere_and_typist():
    reg = registry()
    meta = outgoing_metadata(
        content="Các đơn vị báo cáo trước ngày 30/11.\nMẫu kèm theo.",
        steering_type="Báo cáo chỉ đạo",
        sphere_of_promulgation="Liên thông văn bản quốc gia",
        typer_notation="LVC",
    )

    await handlers.issue_outgoing_document(
        reg,
        principal=CLERK,
        metadata=meta,
        agency_abbreviation="UBND",
        place=None,
        upload=UploadedFile("signed.pdf", PDF),
    )

    (issued,) = [
        decode_record(r).event
        for r in reg.documents.published
        if r.header("ce_type") == b"vanthu.intake.outgoing-document.issued.v1"
    ]
    assert issued.content == "Các đơn vị báo cáo trước ngày 30/11.\nMẫu kèm theo."
    assert issued.steering_type is SteeringType.STEERING_REPORT
    assert issued.sphere_of_promulgation == "Liên thông văn bản quốc gia"
    assert issued.typer_notation == "LVC"


def test_a_steering_type_outside_the_list_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        outgoing_metadata(steering_type="chỉ thị miệng")

    assert [e["loc"] for e in refused.value.errors()] == [("steering_type",)]
