"""Signing use cases on fakes (issue 14): the leader's batch is one confirmation, a refusal
signs and numbers nothing, the clerk's seal uses the agency's key and issues the document."""

from __future__ import annotations

import secrets

import pytest
from harness.pdfs import one_page_pdf
from harness.samples import sample_event
from intake_fakes import (
    FakeClaimBook,
    FakeDocumentRepository,
    FakeFileStore,
    FakeNumberRegister,
    FakePdfSigning,
    FakePdfText,
    FakeSigner,
)
from vanthu_contracts.events.values import FileRef
from vanthu_intake import handlers
from vanthu_intake.domain.metadata import OutgoingDocumentMetadata
from vanthu_intake.domain.metadata import Signer as SignerMetadata
from vanthu_intake.handlers import Registry, SigningDesk
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.signing import SigningRejected

AGENCY = "000.00.00.H41"
LEADER = Principal(
    user_id="lanhdao1", agency_code=AGENCY, roles=frozenset({Role.LEADER}), full_name="An"
)
CLERK = Principal(
    user_id="vt01", agency_code=AGENCY, roles=frozenset({Role.CLERK}), full_name="Văn thư"
)
SIGNER = SignerMetadata(competence="KT. CHỦ TỊCH", position="Phó Chủ tịch", full_name="Lê Văn C")
METADATA = OutgoingDocumentMetadata.model_validate(
    {
        "document_type": "QĐ",
        "subject": "Về việc giao chỉ tiêu biên chế năm 2027",
        "signer": SIGNER.model_dump(),
        "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
    }
)


def desk() -> SigningDesk:
    registry = Registry(
        FakeDocumentRepository(),
        FakeNumberRegister(),
        FakeFileStore(),
        FakeClaimBook(),
        pdf_text=FakePdfText(),
    )
    token = FakeSigner(["lanhdao1", f"seal:{AGENCY}"])
    return SigningDesk(registry=registry, pdfs=FakePdfSigning(), token=token)


async def approved(desk: SigningDesk, media_type: str = "application/pdf") -> str:
    draft_id = f"draft-{secrets.token_hex(4)}"
    stored = await desk.registry.files.put(one_page_pdf(), media_type)
    file = FileRef(
        file_id="f1",
        name="du-thao.pdf",
        media_type=media_type,
        size=stored.size,
        sha256=stored.sha256,
        object_key=stored.object_key,
        role="original",
    )
    event = sample_event(
        "vanthu.routing.draft.approved.v1", agency_code=AGENCY, draft_id=draft_id, file=file
    )
    await handlers.keep_approved_draft(desk.registry, event)
    return draft_id


async def test_a_batch_is_one_confirmation_and_signing_it_again_changes_nothing() -> None:
    signing = desk()
    drafts = [await approved(signing) for _ in range(5)]

    first = await handlers.sign_drafts(signing, principal=LEADER, draft_ids=drafts, signer=SIGNER)
    again = await handlers.sign_drafts(signing, principal=LEADER, draft_ids=drafts, signer=SIGNER)

    assert [f["draft_id"] for f in first] == drafts
    assert signing.token.confirmations == [("lanhdao1", 5)]
    assert [f["file"]["sha256"] for f in again] == [f["file"]["sha256"] for f in first]


async def test_a_refused_signing_signs_nothing_and_the_clerk_gets_no_number() -> None:
    signing = desk()
    draft_id = await approved(signing)
    signing.token.refuse_with = SigningRejected("lanhdao1", "người ký từ chối")

    with pytest.raises(handlers.SigningRefused) as refused:
        await handlers.sign_drafts(signing, principal=LEADER, draft_ids=[draft_id], signer=SIGNER)
    with pytest.raises(handlers.NotSigned) as not_signed:
        await handlers.seal_and_issue(
            signing,
            principal=CLERK,
            draft_id=draft_id,
            metadata=METADATA,
            agency_abbreviation="UBND",
            place="Vinh",
        )

    assert refused.value.state == "rejected"
    assert not_signed.value.last_attempt["state"] == "rejected"
    assert signing.registry.numbers.claims == {}
    assert signing.registry.documents.saved == {}


async def test_the_clerk_seals_with_the_agencys_key_and_the_document_is_issued() -> None:
    signing = desk()
    draft_id = await approved(signing)
    await handlers.sign_drafts(signing, principal=LEADER, draft_ids=[draft_id], signer=SIGNER)

    issued = await handlers.seal_and_issue(
        signing,
        principal=CLERK,
        draft_id=draft_id,
        metadata=METADATA,
        agency_abbreviation="UBND",
        place="Vinh",
    )

    assert issued["status"] == "registered"
    assert (issued["code_number"], issued["code_notation"]) == ("01", "QĐ-UBND")
    assert signing.token.confirmations[-1] == (f"seal:{AGENCY}", 1)
    sealed = await signing.registry.files.get(issued["files"][0]["object_key"], "")
    assert "Số: 01/QĐ-UBND | Vinh, ngày ".encode() in sealed
    types = [dict(r.headers)["ce_type"] for r in signing.registry.documents.published]
    assert b"vanthu.intake.outgoing-document.issued.v1" in types


async def test_a_word_draft_is_refused_naming_the_draft() -> None:
    signing = desk()
    draft_id = await approved(
        signing, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )

    with pytest.raises(handlers.DraftNotSignable) as refused:
        await handlers.sign_drafts(signing, principal=LEADER, draft_ids=[draft_id], signer=SIGNER)

    assert refused.value.draft_id == draft_id
    assert signing.token.confirmations == []


async def test_without_a_token_signing_is_refused_as_not_configured() -> None:
    signing = desk()
    signing = SigningDesk(registry=signing.registry, pdfs=signing.pdfs, token=None)
    draft_id = await approved(signing)

    with pytest.raises(handlers.SigningRefused) as refused:
        await handlers.sign_drafts(signing, principal=LEADER, draft_ids=[draft_id], signer=SIGNER)

    assert refused.value.state == "not_configured"
    assert "VANTHU_SIGNING_PKCS11_MODULE" in refused.value.reason
