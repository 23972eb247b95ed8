"""Copies (issue 14, ADR 0019 addendum): the leader signs a copy (sao y, sao lục, trích sao) of a
document he may read, the clerk numbers it in the copies register and applies the agency's
signature; the clerk converts a document received on paper into its electronic copy. A copy's
signatures are reported by `GET /v1/outgoing-documents/{copy_id}/signatures`, its file by
`GET /v1/documents/{copy_id}/files`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from vanthu_intake.api.documents import Reader, Registrar, unprocessable
from vanthu_intake.api.signing import Leader, _refusal, desk_of
from vanthu_intake.domain.copies import CopyKind
from vanthu_intake.domain.metadata import Signer as SignerMetadata
from vanthu_intake.domain.notation import NotationError, validate_abbreviation
from vanthu_intake.handlers import copies as copy_handlers
from vanthu_intake.handlers.signing import SigningRefused

router = APIRouter(prefix="/v1/copies", tags=["copies"])

MAX_PAGES = 999


class CopyRequest(BaseModel):
    source_document_id: str = Field(
        min_length=1,
        max_length=200,
        description="A registered incoming or issued outgoing document (a sao y copy for sao lục)",
    )
    kind: CopyKind = Field(description="sao_y, sao_luc or trich_sao")
    pages: list[Annotated[int, Field(ge=1, le=MAX_PAGES)]] = Field(
        default_factory=list,
        max_length=MAX_PAGES,
        description="For trích sao: the source's pages the copy holds (1-based, in this order)",
    )
    signer: SignerMetadata = Field(
        description="As the signature block shows it: competence (TL. CHỦ TỊCH), title, name"
    )


class CopySeal(BaseModel):
    agency_abbreviation: str = Field(
        min_length=1, max_length=20, description="The copying agency's abbreviation (e.g. UBND)"
    )
    place: str | None = Field(default=None, max_length=200, description="Địa danh (e.g. Vinh)")


class ConversionRequest(BaseModel):
    source_document_id: str = Field(
        min_length=1, max_length=200, description="A registered document received on paper"
    )


class CopyOut(BaseModel):
    """A copy and how far it got: `signed` (the clerk numbers and seals it), `reserved` (its
    number taken, the agency's signature not applied yet), `registered` (done)."""

    copy_id: str
    state: str
    kind: str
    """sao_y, sao_luc, trich_sao, or converted (the electronic copy of a paper document)."""
    source_document_id: str
    pages: list[int]
    """The source's pages the copy holds."""
    signed_at: datetime | None = None
    notation: str | None = None
    """Số, ký hiệu of the copy: ``05/SY-UBND`` (none for a converted document)."""
    issued_date: str | None = None
    sha256: str | None = None
    """Of the copy's PDF: the signed one until sealed, then the sealed one."""


def _out(fact: dict[str, Any] | None, document: dict[str, Any] | None) -> CopyOut:
    copy_of = (document or fact or {})["copy_of"]
    copy_id = document["_id"] if document else (fact or {})["copy_id"]
    original = [f for f in (document or {}).get("files", []) if f.get("role") == "original"]
    state = document["status"] if document else "signed"
    notation = (
        f"{document['code_number']}/{document['code_notation']}"
        if document and document.get("code_number")
        else None
    )
    sha256 = original[0]["sha256"] if original else (fact or {}).get("file", {}).get("sha256")
    return CopyOut(
        copy_id=copy_id,
        state=state,
        kind=copy_of["kind"],
        source_document_id=copy_of["document_id"],
        pages=list(copy_of.get("pages") or []),
        signed_at=(fact or {}).get("signed_at"),
        notation=notation,
        issued_date=(document or {}).get("issued_date"),
        sha256=sha256,
    )


def _problem(exc: copy_handlers.CopyProblem) -> HTTPException:
    loc: list[str | int] = [exc.field] if exc.index is None else [exc.field, exc.index]
    return unprocessable([(loc, str(exc))])


@router.post("", status_code=status.HTTP_201_CREATED)
async def sign_copy(body: CopyRequest, request: Request, principal: Leader) -> CopyOut:
    """The leader signs a copy of a document he may read with his own key (one confirmation);
    a refusal (rejected, timed out, a key he has not) is a 409 and nothing is kept."""
    try:
        fact = await copy_handlers.sign_copy(
            desk_of(request),
            principal=principal,
            source_document_id=body.source_document_id,
            kind=body.kind,
            pages=body.pages,
            signer=body.signer,
        )
    except copy_handlers.CopyProblem as exc:
        raise _problem(exc) from exc
    except SigningRefused as exc:
        raise _refusal(exc) from exc
    return _out(fact, None)


@router.post("/conversions", status_code=status.HTTP_201_CREATED)
async def convert_paper_document(
    body: ConversionRequest, request: Request, principal: Registrar
) -> CopyOut:
    """The scan of a document received on paper becomes its electronic copy: the conversion
    mark (ĐÃ CHUYỂN ĐỔI TỪ VĂN BẢN GIẤY, the agency, who converted, when) and the agency's
    signature at the top right of its first page. Converting again answers the same copy."""
    try:
        document = await copy_handlers.convert_paper_document(
            desk_of(request), principal=principal, source_document_id=body.source_document_id
        )
    except copy_handlers.CopyProblem as exc:
        raise _problem(exc) from exc
    except SigningRefused as exc:
        raise _refusal(exc) from exc
    return _out(None, document)


@router.post("/{copy_id}/seals", status_code=status.HTTP_201_CREATED)
async def seal_copy(
    copy_id: str, body: CopySeal, request: Request, principal: Registrar
) -> CopyOut:
    """The clerk takes the next number of the copies register of the year, writes it and the
    date into the signed copy and applies the agency's signature. Asking again answers the
    same copy."""
    try:
        abbreviation = validate_abbreviation(body.agency_abbreviation, "agency abbreviation")
    except NotationError as exc:
        raise unprocessable([(["agency_abbreviation"], str(exc))]) from exc
    desk = desk_of(request)
    try:
        document = await copy_handlers.seal_copy(
            desk,
            principal=principal,
            copy_id=copy_id,
            agency_abbreviation=abbreviation,
            place=(body.place or "").strip() or None,
        )
        fact = await copy_handlers.signed_copy(desk, principal, copy_id)
    except copy_handlers.UnknownCopy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except SigningRefused as exc:
        raise _refusal(exc) from exc
    return _out(fact, document)


@router.get("/{copy_id}")
async def copy_of(copy_id: str, request: Request, principal: Reader) -> CopyOut:
    desk = desk_of(request)
    document = await copy_handlers.copy_document(desk, principal, copy_id)
    if document is not None and document.get("kind") == "copy":
        fact = await desk.registry.documents.fact(
            copy_handlers.signed_copy_fact_id(principal.agency_code, copy_id)
        )
        return _out(fact, document)
    try:
        fact = await copy_handlers.signed_copy(desk, principal, copy_id)
    except copy_handlers.UnknownCopy as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return _out(fact, None)
