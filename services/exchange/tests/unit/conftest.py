"""Agencies with signing keys, and document and status packages between them, for edXML tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    Business,
    DocumentNumber,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PackageSigner,
    Promulgation,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    Urgency,
    compose_document_code,
)

GOVERNMENT_OFFICE = "000.00.00.G22"
NGHE_AN = "000.00.00.H41"
CAO_BANG = "000.00.00.H14"
# Whole seconds: edXML timestamps carry no fractions.
SENT_AT = datetime(2025, 3, 3, 2, 15, 30, tzinfo=UTC)


def self_signed_signer(common_name: str) -> PackageSigner:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return PackageSigner.from_private_key(key, certificate)


@dataclass
class AgencyKeys:
    """Each agency's package-signing key, and the directory of certificates others trust."""

    signers: dict[str, PackageSigner] = field(default_factory=dict)

    def signer(self, agency_code: str) -> PackageSigner:
        if agency_code not in self.signers:
            self.signers[agency_code] = self_signed_signer(f"Văn thư {agency_code}")
        return self.signers[agency_code]

    def trusted_certificates(self, agency_code: str) -> list[x509.Certificate]:
        signer = self.signers.get(agency_code)
        return [signer.certificate] if signer else []


@pytest.fixture(scope="session")
def agency_keys() -> AgencyKeys:
    return AgencyKeys()


def organization(agency_code: str, name: str) -> Organization:
    return Organization(
        agency_code=agency_code,
        organization_in_charge=name,
        name=name,
        address="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
        email="vanthu@example.gov.vn",
        telephone="024 8043100",
        fax="024 8043101",
        website="https://example.gov.vn",
    )


def message_header(**changes: Any) -> MessageHeader:
    promulgated = date(2025, 2, 28)
    values: dict[str, Any] = {
        "sender": organization(GOVERNMENT_OFFICE, "Văn phòng Chính phủ"),
        "recipients": (
            organization(NGHE_AN, "UBND tỉnh Nghệ An"),
            organization(CAO_BANG, "UBND tỉnh Cao Bằng"),
        ),
        "document_code": compose_document_code(GOVERNMENT_OFFICE, promulgated, "1234", "VPCP-KSTT"),
        "code": DocumentNumber(code_number="1234", code_notation="VPCP-KSTT"),
        "promulgation": Promulgation(place="Hà Nội", promulgation_date=promulgated),
        "document_type": DocumentType(type_code="1", type_detail="0", type_name="Công văn"),
        "subject": "V/v kết nối, liên thông phần mềm quản lý văn bản & điều hành",
        "content": "Đề nghị các địa phương hoàn thành kết nối trước ngày 31/3.",
        "signer": SignerInfo(
            competence="KT. BỘ TRƯỞNG", position="Thứ trưởng", full_name="Nguyễn Văn A"
        ),
        "due_date": date(2025, 3, 31),
        "other_info": OtherInfo(
            urgency=Urgency.URGENT,
            sphere_of_promulgation="Liên thông văn bản quốc gia",
            typer_notation="TVC",
            promulgation_amount=2,
            page_amount=3,
            direction=False,
            appendixes=("Danh sách đơn vị", "Mẫu báo cáo"),
        ),
        "response_for": (
            ResponseFor(
                agency_code=NGHE_AN,
                code="55/UBND-VX",
                promulgation_date=date(2025, 2, 1),
                document_code=compose_document_code(NGHE_AN, date(2025, 2, 1), "55", "UBND-VX"),
            ),
        ),
        "steering_type": 1,
        "to_places": ("Như trên", "Lưu: VT, KSTT"),
    }
    values.update(changes)
    return MessageHeader(**values)


def document_package(business: Business | None = None, **header_changes: Any) -> DocumentPackage:
    header = message_header(**header_changes)
    return DocumentPackage(
        message_header=header,
        trace_header_list=TraceHeaderList(
            trace_headers=(TraceHeader(agency_code=GOVERNMENT_OFFICE, timestamp=SENT_AT),),
            business=business
            or Business(
                document_code=header.document_code,
                reason="Văn bản điện tử mới",
                staff=StaffInfo(department="Văn thư", staff="Trần Thị B", mobile="0912000001"),
            ),
        ),
    )


def status_package(code: StatusCode, **changes: Any) -> StatusPackage:
    header = message_header()
    values: dict[str, Any] = {
        "sender": organization(NGHE_AN, "UBND tỉnh Nghệ An"),
        "recipient": organization(GOVERNMENT_OFFICE, "Văn phòng Chính phủ"),
        "response_for": ResponseFor(
            agency_code=GOVERNMENT_OFFICE,
            code=str(header.code),
            promulgation_date=header.promulgation.promulgation_date,
            document_code=header.document_code,
        ),
        "staff": StaffInfo(
            department="Phòng Hành chính", staff="Lê Văn C", email="c@nghean.gov.vn"
        ),
        "status_code": code,
        "description": f"Trạng thái {code.value}: {code.name.lower()}",
        "timestamp": SENT_AT,
    }
    values.update(changes)
    return StatusPackage(**values)


def attachment(content_id: str, data: bytes, name: str = "van-ban.pdf") -> AttachmentSource:
    return AttachmentSource(
        content_id=content_id, name=name, content_type="application/pdf", stream=io.BytesIO(data)
    )


@dataclass
class Sinks:
    """Attachment sinks that keep what they receive, by ContentId."""

    received: dict[str, io.BytesIO] = field(default_factory=dict)

    def open(self, start: Any) -> io.BytesIO:
        self.received[start.content_id] = io.BytesIO()
        return self.received[start.content_id]

    def content(self, content_id: str) -> bytes:
        return self.received[content_id].getvalue()


@pytest.fixture
def sinks() -> Sinks:
    return Sinks()


@pytest.fixture
def make_document() -> Callable[..., DocumentPackage]:
    return document_package


@pytest.fixture
def make_status() -> Callable[..., StatusPackage]:
    return status_package


@pytest.fixture
def make_attachment() -> Callable[..., AttachmentSource]:
    return attachment
