"""Signing outgoing documents (issue 14, ADR 0019): the leader signs approved drafts, the clerk
numbers and seals them (the document is issued then), anyone who may read a document reads the
report of its signatures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator
from vanthu_runtime.auth import Principal, Role, require_roles
from vanthu_runtime.directory_copy import DirectoryCopy

from vanthu_intake import handlers
from vanthu_intake.api.documents import Reader, Registrar, unprocessable
from vanthu_intake.domain.metadata import OutgoingDocumentMetadata
from vanthu_intake.domain.metadata import Signer as SignerMetadata
from vanthu_intake.domain.notation import NotationError, validate_abbreviation
from vanthu_intake.handlers import SigningDesk
from vanthu_intake.handlers.signing import MAX_BATCH
from vanthu_intake.ports import SignatureReport

router = APIRouter(prefix="/v1/outgoing-documents", tags=["signing"])

SIGNERS = (Role.LEADER,)


async def signing_leader(
    request: Request, principal: Annotated[Principal, Depends(require_roles(*SIGNERS))]
) -> Principal:
    """A leader by token and, where the agency keeps its directory in vanthu, by that too."""
    directory: DirectoryCopy = request.app.state.directory
    reason = await directory.refusal(
        principal.agency_code, principal.user_id, [r.value for r in SIGNERS]
    )
    if reason is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)
    return principal


Leader = Annotated[Principal, Depends(signing_leader)]


def desk_of(request: Request) -> SigningDesk:
    desk: SigningDesk = request.app.state.signing
    return desk


class SignatureBatch(BaseModel):
    draft_ids: list[str] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Approved drafts (routing's ids), signed together: one confirmation",
    )
    signer: SignerMetadata = Field(
        description="As the signature block shows it: competence (KT. GIÁM ĐỐC), title, name"
    )

    @field_validator("draft_ids")
    @classmethod
    def _distinct(cls, draft_ids: list[str]) -> list[str]:
        for draft_id in draft_ids:
            if not 1 <= len(draft_id) <= 200:
                raise ValueError("each draft id has 1 to 200 characters")
        if len(set(draft_ids)) != len(draft_ids):
            raise ValueError("a draft is named twice")
        return draft_ids


class SignedDraft(BaseModel):
    draft_id: str
    state: str
    """signed"""
    signed_at: datetime
    provider: str
    """pkcs11 (the token) or remote (the CA's remote signing)"""
    sha256: str
    """Of the signed PDF, kept until the clerk numbers and seals it."""


class SignedDrafts(BaseModel):
    drafts: list[SignedDraft]


def _refusal(exc: handlers.SigningRefused) -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        detail=[
            {
                "loc": ["signature"],
                "field": "signature",
                "state": exc.state,
                "msg": f"không ký được ({exc.state}): {exc.reason}; chưa văn bản nào được ký",
            }
        ],
    )


class DeskPerson(BaseModel):
    user_id: str
    full_name: str = ""
    position: str | None = None


class DeskDraftOut(BaseModel):
    """An approved draft and how far it got: `awaiting_signature` (its leader signs it),
    `signed` (the clerk numbers and seals it), `issued`."""

    draft_id: str
    case_id: str
    document_id: str
    """The incoming document it answers."""
    answers_subject: str | None
    answers_number: str | None
    """Số đến of the document answered, ``12/2026``."""
    file_name: str
    media_type: str
    drafted_by: DeskPerson
    approved_by: DeskPerson
    approved_at: datetime
    state: str
    signed_at: datetime | None = None
    signed_by: DeskPerson | None = None
    issued_document_id: str | None = None
    issued_notation: str | None = None
    last_failure: str | None = None
    """Why the leader's last signing did not succeed (state: reason), while unsigned."""


class DeskDrafts(BaseModel):
    items: list[DeskDraftOut]


DeskReader = Annotated[Principal, Depends(require_roles(Role.LEADER, Role.SECRETARY, Role.CLERK))]


def _person(value: dict[str, object] | None) -> DeskPerson | None:
    if not value:
        return None
    return DeskPerson.model_validate(
        {k: value.get(k) for k in ("user_id", "full_name", "position") if value.get(k) is not None}
    )


@router.get("/drafts")
async def drafts_at_the_desk(request: Request, principal: DeskReader) -> DeskDrafts:
    """The agency's approved drafts, newest first (at most 200): the leader's list to sign
    (one or many at once) and the clerk's list to number and seal. A draft answering a document
    the caller may not read is not listed."""
    found = await handlers.drafts_at_the_desk(desk_of(request).registry, principal)
    items = []
    for entry in found:
        draft = entry.approved["draft"]
        answers = entry.answers or {}
        issued = entry.issued if entry.state == "issued" else None
        failure = entry.last_failure
        items.append(
            DeskDraftOut(
                draft_id=draft["draft_id"],
                case_id=draft["case_id"],
                document_id=draft["document_id"],
                answers_subject=(answers.get("metadata") or {}).get("subject"),
                answers_number=(
                    f"{answers['arrival_number']}/{answers['arrival_year']}"
                    if answers.get("arrival_number")
                    else None
                ),
                file_name=draft["file"]["name"],
                media_type=draft["file"]["media_type"],
                drafted_by=_person(draft["drafted_by"]) or DeskPerson(user_id=""),
                approved_by=_person(draft["approved_by"]) or DeskPerson(user_id=""),
                approved_at=draft["approved_at"],
                state=entry.state,
                signed_at=entry.signed["signed_at"] if entry.signed else None,
                signed_by=_person(entry.signed.get("signed_by")) if entry.signed else None,
                issued_document_id=issued["_id"] if issued else None,
                issued_notation=(
                    f"{issued['code_number']}/{issued['code_notation']}" if issued else None
                ),
                last_failure=f"{failure['state']}: {failure['reason']}" if failure else None,
            )
        )
    return DeskDrafts(items=items)


@router.post("/signatures", status_code=status.HTTP_201_CREATED)
async def sign_drafts(body: SignatureBatch, request: Request, principal: Leader) -> SignedDrafts:
    try:
        signed = await handlers.sign_drafts(
            desk_of(request), principal=principal, draft_ids=body.draft_ids, signer=body.signer
        )
    except handlers.UnknownDraft as exc:
        index = body.draft_ids.index(exc.draft_id)
        raise unprocessable([(["draft_ids", index], str(exc))]) from exc
    except handlers.DraftNotSignable as exc:
        raise unprocessable([(["draft_ids", exc.index], str(exc))]) from exc
    except handlers.SigningRefused as exc:
        raise _refusal(exc) from exc
    return SignedDrafts(
        drafts=[
            SignedDraft(
                draft_id=fact["draft_id"],
                state=fact["state"],
                signed_at=fact["signed_at"],
                provider=fact["provider"],
                sha256=fact["file"]["sha256"],
            )
            for fact in signed
        ]
    )


class SealRequest(BaseModel):
    draft_id: str = Field(min_length=1, max_length=200, description="The signed draft")
    metadata: OutgoingDocumentMetadata
    agency_abbreviation: str = Field(
        min_length=1, max_length=20, description="The issuing agency's abbreviation (e.g. UBND)"
    )
    place: str | None = Field(default=None, max_length=200, description="Địa danh (e.g. Hà Nội)")


class IssuedDocument(BaseModel):
    """The document as issued: numbered, sealed, sent on."""

    document_id: str
    draft_id: str
    status: str
    notation: str
    """Số, ký hiệu as printed in the PDF: ``05/QĐ-UBND``."""
    issued_date: str
    document_code: str
    sha256: str
    """Of the sealed PDF (the original)."""
    send_requested_to: list[str]


@router.post("/seals", status_code=status.HTTP_201_CREATED)
async def seal_and_issue(
    body: SealRequest, request: Request, principal: Registrar
) -> IssuedDocument:
    try:
        abbreviation = validate_abbreviation(body.agency_abbreviation, "agency abbreviation")
    except NotationError as exc:
        raise unprocessable([(["agency_abbreviation"], str(exc))]) from exc
    try:
        record = await handlers.seal_and_issue(
            desk_of(request),
            principal=principal,
            draft_id=body.draft_id,
            metadata=body.metadata,
            agency_abbreviation=abbreviation,
            place=(body.place or "").strip() or None,
            correlation_id=request.headers.get("x-correlation-id"),
        )
    except handlers.UnknownDraft as exc:
        raise unprocessable([(["draft_id"], str(exc))]) from exc
    except handlers.NotSigned as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=[
                {
                    "loc": ["draft_id"],
                    "field": "draft_id",
                    "state": exc.last_attempt["state"] if exc.last_attempt else "not_signed",
                    "msg": str(exc),
                }
            ],
        ) from exc
    except NotationError as exc:
        raise unprocessable([(["metadata", "drafting_unit_abbreviation"], str(exc))]) from exc
    except handlers.AppendixProblem as exc:
        raise unprocessable([(["draft_id"], str(exc))]) from exc
    except handlers.SigningRefused as exc:
        raise _refusal(exc) from exc
    (original,) = [f for f in record["files"] if f.get("role") == "original"]
    return IssuedDocument(
        document_id=record["_id"],
        draft_id=body.draft_id,
        status=record["status"],
        notation=f"{record['code_number']}/{record['code_notation']}",
        issued_date=record["issued_date"],
        document_code=record["document_code"],
        sha256=original["sha256"],
        send_requested_to=list(record.get("send_requested_to", [])),
    )


class SignatureOut(BaseModel):
    field_name: str
    signer: str
    """The certificate's subject."""
    issuer: str
    serial_number: str
    signed_at: datetime | None
    intact: bool
    """The bytes this signature covers are those that were signed."""
    trusted: bool
    """The certificate chains to a certificate authority of this deployment's trust list."""
    changes_after: str
    """none, form_filling (the number, later signatures), annotations or other."""
    changes_permitted: bool
    level: str
    """B-T (timestamped by a timestamp authority) or B-B (the signer's own time)."""
    timestamped_at: datetime | None
    valid: bool
    """Intact, trusted and changed after only as permitted."""


class FileSignatures(BaseModel):
    """The signatures of one file the document keeps: its original, or an appendix in a file of
    its own (the agency's signature at the top right of its first page)."""

    file_id: str
    name: str
    role: str
    """original or attachment"""
    sha256: str
    valid: bool
    signatures: list[SignatureOut]


class SignaturesReport(BaseModel):
    document_id: str
    sha256: str
    """Of the original."""
    valid: bool
    """The original has signatures, all valid, and so are those of every file that has any (an
    unsigned attachment received from elsewhere says so in its own entry)."""
    signatures: list[SignatureOut]
    """The original's."""
    files: list[FileSignatures] = []
    """Per file: the original, then the appendices."""


def _signature_out(r: SignatureReport) -> SignatureOut:
    return SignatureOut(
        field_name=r.field_name,
        signer=r.signer,
        issuer=r.issuer,
        serial_number=r.serial_number,
        signed_at=r.signed_at,
        intact=r.intact,
        trusted=r.trusted,
        changes_after=r.changes_after,
        changes_permitted=r.changes_permitted,
        level=r.level,
        timestamped_at=r.timestamped_at,
        valid=r.intact and r.trusted and r.changes_permitted,
    )


@router.get("/{document_id}/signatures")
async def signatures_of(document_id: str, request: Request, principal: Reader) -> SignaturesReport:
    try:
        original, _, per_file = await handlers.signature_report(
            desk_of(request), principal, document_id
        )
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such document") from exc
    files = []
    for file, reports in per_file:
        signatures = [_signature_out(r) for r in reports]
        files.append(
            FileSignatures(
                file_id=file["file_id"],
                name=file["name"],
                role=file["role"],
                sha256=file["sha256"],
                valid=bool(signatures) and all(s.valid for s in signatures),
                signatures=signatures,
            )
        )
    return SignaturesReport(
        document_id=document_id,
        sha256=original["sha256"],
        valid=files[0].valid and all(f.valid for f in files[1:] if f.signatures),
        signatures=files[0].signatures,
        files=files,
    )
