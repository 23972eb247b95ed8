"""Copies (issue 14, ADR 0019 addendum): the leader signs a copy of a document the agency holds
(sao y, sao lục, trích sao: the source's pages, then the copy's form block), the clerk numbers it
in the copies register of the year and applies the agency's signature; the clerk converts a
document received on paper into an electronic copy with the conversion mark and the agency's
signature. A copy is a document of its own (kind ``copy``) linked to its source, read by the
people who may read the source. Nothing is numbered for a copy its signer has not signed."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import structlog
from vanthu_contracts import KafkaRecord
from vanthu_contracts.events.intake import CopyIssued
from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.file_checks import MediaType
from vanthu_runtime.signing import SigningFailed
from vanthu_runtime.visibility import NORMAL

from vanthu_intake import events
from vanthu_intake.domain.copies import (
    CopyForm,
    CopyKind,
    PageChoiceError,
    chosen_pages,
    conversion_mark_text,
    copy_notation,
)
from vanthu_intake.domain.metadata import Channel
from vanthu_intake.domain.metadata import Signer as SignerMetadata
from vanthu_intake.domain.numbering import Register, register_key
from vanthu_intake.domain.reservations import place_and_date_text
from vanthu_intake.domain.vietnam_time import vietnam_date
from vanthu_intake.handlers.reading import readable_document, stored_files
from vanthu_intake.handlers.registration import void_reservation
from vanthu_intake.handlers.registry import NotFound, person_of
from vanthu_intake.handlers.signing import (
    SigningDesk,
    SigningRefused,
    seal_key_of,
    stamp_of,
)
from vanthu_intake.ports import CopyComposer, FileMissing, Record, UnreadablePdf

log = structlog.get_logger(__name__)


class CopyProblem(Exception):
    """A copy that cannot be made as asked: `field` names what to change (`index` the page)."""

    def __init__(self, field: str, message: str, index: int | None = None) -> None:
        self.field = field
        self.index = index
        super().__init__(message)


class UnknownCopy(Exception):
    def __init__(self, copy_id: str) -> None:
        self.copy_id = copy_id
        super().__init__(f"không có bản sao {copy_id!r} đã ký của cơ quan (no signed copy here)")


def signed_copy_fact_id(agency_code: str, copy_id: str) -> str:
    return f"signed_copy:{agency_code}:{copy_id}"


def _source_problem(source_id: str) -> CopyProblem:
    # The same answer for "absent" and "not yours": existence itself is not disclosed (ADR 0006).
    return CopyProblem(
        "source_document_id",
        f"không có văn bản {source_id!r} mà bạn được xem (no such document you may read)",
    )


async def _source(desk: SigningDesk, principal: Principal, source_id: str) -> Record:
    try:
        return await readable_document(desk.registry, principal, source_id)
    except NotFound as exc:
        raise _source_problem(source_id) from exc


def _check_copyable(source: Record, kind: CopyKind) -> None:
    if source.get("status") != "registered":
        raise CopyProblem(
            "source_document_id",
            "chỉ sao văn bản đến đã đăng ký hoặc văn bản đi đã ban hành "
            f"(this document is {source.get('status')})",
        )
    from_copy = source.get("kind") == "copy"
    if kind is CopyKind.SAO_LUC and not (
        from_copy and (source.get("copy_of") or {}).get("kind") == CopyKind.SAO_Y.value
    ):
        raise CopyProblem(
            "kind", "sao lục là sao từ bản sao y: source_document_id phải là bản sao y"
        )
    if kind is not CopyKind.SAO_LUC and source.get("kind") not in ("incoming", "outgoing"):
        raise CopyProblem(
            "source_document_id",
            f"bản {kind.label.lower()} được sao từ văn bản gốc, không từ một bản sao (dùng sao_luc)",
        )


async def _pdf_of(desk: SigningDesk, source: Record) -> bytes:
    """The source as a PDF: its original, or the digitised copy of a scan (ADR 0018)."""
    files = stored_files(source)
    originals = [f for f in files if f.get("role") == "original"]
    derivatives = [f for f in files if f.get("role") == "ocr_derivative"]
    candidates = [f for f in originals if f.get("media_type") == MediaType.PDF.value] + [
        f for f in derivatives if f.get("media_type") == MediaType.PDF.value
    ]
    if originals and originals[0].get("media_type") != MediaType.PDF.value:
        candidates = derivatives  # a scan: its searchable PDF is what is copied
    if not candidates:
        raise CopyProblem(
            "source_document_id",
            "văn bản chưa có bản PDF (a scan not digitised yet, or not a PDF): nothing to copy",
        )
    file = candidates[0]
    try:
        return await desk.registry.files.get(file["object_key"], file["sha256"])
    except FileMissing as exc:
        raise CopyProblem("source_document_id", "the document's file is no longer stored") from exc


def _composer(desk: SigningDesk) -> CopyComposer:
    if desk.composer is None:
        raise RuntimeError("copies need a CopyComposer")
    return desk.composer


async def sign_copy(
    desk: SigningDesk,
    *,
    principal: Principal,
    source_document_id: str,
    kind: CopyKind,
    pages: Sequence[int],
    signer: SignerMetadata,
) -> Record:
    """The leader signs a copy of a document he may read, with his own key: the copy's PDF is
    made (the pages, the form block with empty number and date fields) and signed; it waits for
    the clerk's number and seal. A refusal stores nothing."""
    source = await _source(desk, principal, source_document_id)
    _check_copyable(source, kind)
    pdf = await _pdf_of(desk, source)
    composer = _composer(desk)
    try:
        count = await composer.page_count(pdf)
        chosen = chosen_pages(kind, pages, count)
        agency = desk.agency_name(principal.agency_code)
        copy_pdf = await composer.compose(pdf, chosen, CopyForm(kind, agency))
    except PageChoiceError as exc:
        raise CopyProblem("pages", str(exc), exc.index) from exc
    except UnreadablePdf as exc:
        raise CopyProblem(
            "source_document_id", f"the document's PDF cannot be copied: {exc}"
        ) from exc
    copy_id = str(uuid.uuid4())
    provider = "remote" if principal.user_id in desk.remote_users else "pkcs11"
    try:
        key, provider = desk.signer_of(principal.user_id)
        signed = await desk.pdfs.sign_copy(
            copy_pdf,
            stamp_of(signer),
            key,
            principal.user_id,
            f"Ký bản {kind.label.lower()} văn bản của {agency}",
        )
    except SigningFailed as exc:
        log.warning("copy signing refused", state=exc.state, source=source_document_id)
        raise SigningRefused(exc) from exc
    stored = await desk.registry.files.put(signed, MediaType.PDF.value)
    now = datetime.now(UTC)
    fact: Record = {
        "_id": signed_copy_fact_id(principal.agency_code, copy_id),
        "document_id": copy_id,
        "kind": "signed_copy",
        "copy_id": copy_id,
        "agency_code": principal.agency_code,
        "copy_of": {"document_id": source["_id"], "kind": kind.value, "pages": chosen},
        "recorded_at": now,
        "signed_at": now,
        "signed_by": person_of(principal),
        "signer": signer.model_dump(mode="json"),
        "provider": provider,
        "file": {
            "file_id": events.derived_id(copy_id, "signed"),
            "name": f"ban-{kind.value.replace('_', '-')}-da-ky.pdf",
            "media_type": MediaType.PDF.value,
            "size": stored.size,
            "sha256": stored.sha256,
            "object_key": stored.object_key,
            "role": "original",
        },
    }
    await desk.registry.documents.add_fact(fact, [])
    log.info("copy signed", copy_id=copy_id, kind=kind.value, provider=provider)
    return fact


async def signed_copy(desk: SigningDesk, principal: Principal, copy_id: str) -> Record:
    """The leader's signed copy, for a caller who may read its source."""
    fact = await desk.registry.documents.fact(signed_copy_fact_id(principal.agency_code, copy_id))
    if fact is None:
        raise UnknownCopy(copy_id)
    try:
        await readable_document(desk.registry, principal, fact["copy_of"]["document_id"])
    except NotFound as exc:
        raise UnknownCopy(copy_id) from exc
    return fact


async def copy_document(desk: SigningDesk, principal: Principal, copy_id: str) -> Record | None:
    """The numbered copy, if the clerk numbered it (reserved until sealed)."""
    try:
        return await readable_document(desk.registry, principal, copy_id)
    except NotFound:
        return None


def _copy_record(
    principal: Principal,
    copy_id: str,
    source: Record,
    copy_of: Record,
    now: datetime,
) -> Record:
    """What a copy keeps of its source: who may read it (the same people: the source's named
    readers and, for a confidential one, the clerk who registered it), its metadata."""
    readers = list(source.get("allowed_user_ids") or [])
    registering = (source.get("registered_by") or {}).get("user_id")
    confidential = (source.get("confidentiality") or NORMAL) != NORMAL
    if confidential and registering and registering not in readers:
        readers.append(registering)
    return {
        "_id": copy_id,
        "kind": "copy",
        "agency_code": principal.agency_code,
        "registered_at": now,
        "registered_by": person_of(principal),
        "channel": Channel.ELECTRONIC.value,
        "metadata": source.get("metadata"),
        "confidentiality": source.get("confidentiality"),
        "allowed_user_ids": readers,
        "copy_of": copy_of,
        "content_keys": [],
        "files": [],
    }


async def seal_copy(
    desk: SigningDesk,
    *,
    principal: Principal,
    copy_id: str,
    agency_abbreviation: str,
    place: str | None,
) -> Record:
    """The clerk's step: the next number of the copies register of the year and today's date,
    written into the signed copy, and the agency's signature over it. Asking again answers the
    same copy (a seal that failed keeps the number for the next try)."""
    registry = desk.registry
    fact = await signed_copy(desk, principal, copy_id)
    existing = await registry.documents.get(copy_id)
    if existing is not None and existing.get("status") == "registered":
        return await readable_document(registry, principal, copy_id)
    seal_key = seal_key_of(principal.agency_code)
    agency = desk.agency_name(principal.agency_code)
    pdf = await registry.files.get(fact["file"]["object_key"], fact["file"]["sha256"])
    try:
        token = desk.agency_token(seal_key)
        # the agency's key is there before a number is taken (a missing one is said first)
        await token.certificate(seal_key)
        record = existing or await _reserve_copy_number(
            desk, principal, fact, agency_abbreviation, place
        )
        notation = f"{record['code_number']}/{record['code_notation']}"
        day = date.fromisoformat(record["issued_date"])
        sealed = await desk.pdfs.seal(
            pdf,
            f"Số: {notation}",
            place_and_date_text(record.get("place"), day),
            agency,
            token,
            seal_key,
        )
    except SigningFailed as exc:
        # A number taken stays reserved for this copy (asking again takes the same one).
        raise SigningRefused(exc) from exc
    stored = await registry.files.put(sealed, MediaType.PDF.value)
    now = datetime.now(UTC)
    file = {
        "file_id": events.derived_id(copy_id, "file", "0"),
        "name": f"{notation.replace('/', '-')}.pdf",
        "media_type": MediaType.PDF.value,
        "size": stored.size,
        "sha256": stored.sha256,
        "object_key": stored.object_key,
        "role": "original",
    }
    changes = {
        "files": [file],
        "content_keys": [stored.sha256],
        "issued_at": now,
        "issued_by": person_of(principal),
    }
    source = await registry.documents.get(fact["copy_of"]["document_id"]) or {}
    issued = _issued_record(events.copy_issued({**record, **changes}, source), copy_id)
    # The copy's event goes with the write that registers it (ADR 0004), never after it.
    await registry.documents.finish_reservation(copy_id, changes, [issued])
    log.info("copy sealed", copy_id=copy_id, notation=notation)
    return await readable_document(registry, principal, copy_id)


async def _reserve_copy_number(
    desk: SigningDesk,
    principal: Principal,
    fact: Record,
    agency_abbreviation: str,
    place: str | None,
) -> Record:
    registry = desk.registry
    copy_id = fact["copy_id"]
    source = await readable_document(registry, principal, fact["copy_of"]["document_id"])
    kind = CopyKind(fact["copy_of"]["kind"])
    now = datetime.now(UTC)
    key = register_key(principal.agency_code, Register.COPIES, now)
    number = await registry.numbers.reserve(key, copy_id)
    code_number, code_notation = copy_notation(number, kind, agency_abbreviation)
    record = {
        **_copy_record(principal, copy_id, source, fact["copy_of"], now),
        "status": "reserved",
        "register": key.register.value,
        "year": key.year,
        "number": number,
        "code_number": code_number,
        "code_notation": code_notation,
        "issued_date": vietnam_date(now).isoformat(),
        "place": place,
        "signed_by": fact["signed_by"],
        "signer": fact["signer"],
    }
    try:
        await registry.documents.add(record, [])
    except AlreadyExists:
        # Two clerks at once: the first keeps the number, this one is void.
        await void_reservation(registry, key, number, copy_id, "duplicate write")
        held = await registry.documents.get(copy_id)
        if held is None:
            raise
        return held
    return record


def _issued_record(event: CopyIssued, copy_id: str) -> KafkaRecord:
    # One event per copy: a replay of the same write publishes the same id.
    return events.to_record(event, event_id=events.derived_id(copy_id, "copy-issued"))


def conversion_id_of(agency_code: str, source_id: str) -> str:
    """One electronic copy per paper document: converting again answers the same one."""
    return events.derived_id("conversion", agency_code, source_id)


async def convert_paper_document(
    desk: SigningDesk, *, principal: Principal, source_document_id: str
) -> Record:
    """The clerk's scan of a document received on paper becomes its electronic copy: the
    conversion mark (what, who, when) and the agency's signature at the top right of the first
    page (Luật 20/2023 Art. 12, ND 30 Phụ lục I)."""
    registry = desk.registry
    source = await _source(desk, principal, source_document_id)
    if source.get("channel") != Channel.PAPER.value or source.get("status") != "registered":
        raise CopyProblem(
            "source_document_id",
            "chỉ chuyển đổi văn bản giấy đã đăng ký (a registered document received on paper, "
            f"this one came {source.get('channel')!s} and is {source.get('status')})",
        )
    copy_id = conversion_id_of(principal.agency_code, source["_id"])
    existing = await registry.documents.get(copy_id)
    if existing is not None:
        return await readable_document(registry, principal, copy_id)
    pdf = await _pdf_of(desk, source)
    seal_key = seal_key_of(principal.agency_code)
    agency = desk.agency_name(principal.agency_code)
    now = datetime.now(UTC)
    who = person_of(principal)
    mark = conversion_mark_text(agency, f"{who['full_name']} ({who['user_id']})", now)
    try:
        signed = await desk.pdfs.sign_top_right(
            pdf, mark, agency, desk.agency_token(seal_key), seal_key
        )
    except SigningFailed as exc:
        raise SigningRefused(exc) from exc
    except UnreadablePdf as exc:
        raise CopyProblem("source_document_id", f"the scan's PDF cannot be signed: {exc}") from exc
    stored = await registry.files.put(signed, MediaType.PDF.value)
    record = {
        **_copy_record(
            principal,
            copy_id,
            source,
            {"document_id": source["_id"], "kind": "converted", "pages": []},
            now,
        ),
        "status": "registered",
        "issued_date": vietnam_date(now).isoformat(),
        "converted_at": now,
        "converted_by": who,
        "conversion_mark": mark,
        "content_keys": [stored.sha256],
        "files": [
            {
                "file_id": events.derived_id(copy_id, "file", "0"),
                "name": "ban-dien-tu-chuyen-doi.pdf",
                "media_type": MediaType.PDF.value,
                "size": stored.size,
                "sha256": stored.sha256,
                "object_key": stored.object_key,
                "role": "original",
            }
        ],
    }
    issued = _issued_record(events.copy_issued(record, source), copy_id)
    # the same document converted twice at once: one copy, one event
    with contextlib.suppress(AlreadyExists):
        await registry.documents.add(record, [issued])
    log.info("paper document converted", copy_id=copy_id, source=source["_id"])
    return await readable_document(registry, principal, copy_id)
