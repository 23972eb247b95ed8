"""A registration slower than the reservation grace: the recovery pass writes its number as void
while the document is still on its way. The clerk still gets a registered document, under the
next number, and the register shows the first one void (never a 500, never a hole)."""

from __future__ import annotations

from datetime import timedelta

from harness.pdfs import one_page_pdf
from intake_fakes import FakeClaimBook, FakeDocumentRepository, FakeFileStore, FakeNumberRegister
from vanthu_intake import handlers
from vanthu_intake.domain.metadata import IncomingDocumentMetadata
from vanthu_intake.domain.numbering import RegisterKey
from vanthu_intake.handlers import Registry, UploadedFile
from vanthu_runtime.auth import Principal, Role

CLERK = Principal(
    user_id="vt01", agency_code="000.00.00.H41", roles=frozenset({Role.CLERK}), full_name="Văn thư"
)


class RecoveryRunsDuringTheFirstReservation(FakeNumberRegister):
    """The recovery pass (grace passed) runs right after the first number is reserved."""

    registry: Registry

    async def reserve(self, key: RegisterKey, document_id: str) -> int:
        number = await super().reserve(key, document_id)
        if number == 1:
            assert await handlers.reconcile_reservations(self.registry, timedelta(0)) == 1
        return number


def metadata() -> IncomingDocumentMetadata:
    return IncomingDocumentMetadata.model_validate(
        {
            "channel": "paper",
            "issuer": {"name": "Bộ Nội vụ"},
            "document_type": "Công văn",
            "code_number": "12",
            "code_notation": "BNV-VP",
            "issued_date": "2026-03-02",
            "subject": "Về việc cử cán bộ dự họp",
            "page_count": 1,
            "signer": {"position": "Chánh Văn phòng", "full_name": "Trần Văn B"},
        }
    )


async def test_a_registration_whose_number_was_voided_meanwhile_takes_the_next_one() -> None:
    numbers = RecoveryRunsDuringTheFirstReservation()
    reg = Registry(FakeDocumentRepository(), numbers, FakeFileStore(), FakeClaimBook())
    numbers.registry = reg

    record = await handlers.register_document(
        reg,
        principal=CLERK,
        metadata=metadata(),
        uploads=[UploadedFile("cv.pdf", one_page_pdf())],
    )

    assert (record["number"], record["status"]) == (2, "registered")
    entries = sorted((d["number"], d["status"]) for d in reg.documents.saved.values())
    assert entries == [(1, "void"), (2, "registered")]
