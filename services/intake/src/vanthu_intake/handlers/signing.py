"""Signing outgoing documents (issue 14, ADR 0019): the leader signs approved drafts (one or
many, one confirmation), the clerk takes the number and date, writes them into the signed PDF
and applies the agency's signature, and the document is issued as any reserved number is.
Nothing is numbered for a draft its signer has not signed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import structlog
from vanthu_runtime.auth import Principal
from vanthu_runtime.file_checks import MediaType
from vanthu_runtime.signing import Signer, SigningFailed, SigningNotConfigured

from vanthu_intake.domain.copies import attachment_mark_text
from vanthu_intake.domain.metadata import OutgoingDocumentMetadata
from vanthu_intake.domain.metadata import Signer as SignerMetadata
from vanthu_intake.domain.reservations import place_and_date_text
from vanthu_intake.handlers.outgoing import (
    NotReserved,
    UnknownDraft,
    approved_draft_fact_id,
    issue_reserved_document,
    reservation_id_of,
    reserve_outgoing_number,
)
from vanthu_intake.handlers.reading import may_read, readable_document, stored_files
from vanthu_intake.handlers.registry import (
    OUTGOING_ORIGINALS,
    NotFound,
    Registry,
    UnacceptableFile,
    UploadedFile,
    check_files,
    person_of,
)
from vanthu_intake.ports import (
    CopyComposer,
    FileMissing,
    PdfSigning,
    PersonalStamp,
    Record,
    SignatureReport,
)

log = structlog.get_logger(__name__)

MAX_BATCH = 100


@dataclass(frozen=True)
class SigningDesk:
    """The ports signing shares: the registry, the PDF signing and where each key is."""

    registry: Registry
    pdfs: PdfSigning
    token: Signer | None
    """Keys in the agency's PKCS#11 token (the seal's, and the people who sign with it); None
    where no token is configured: then nothing is signed here, reports still are made."""
    remote: Signer | None = None
    """The CA's remote signing service, for the people in `remote_users`."""
    remote_users: frozenset[str] = frozenset()
    agency_names: dict[str, str] | None = None
    composer: CopyComposer | None = None
    """Makes the PDFs of copies (sao y, trích sao)."""

    def signer_of(self, user_id: str) -> tuple[Signer, str]:
        if user_id in self.remote_users:
            if self.remote is None:
                raise SigningNotConfigured(user_id, "no remote signing provider is configured")
            return self.remote, "remote"
        return self.agency_token(user_id), "pkcs11"

    def agency_token(self, key_ref: str) -> Signer:
        if self.token is None:
            raise SigningNotConfigured(
                key_ref,
                "no signing token is configured here (VANTHU_SIGNING_PKCS11_MODULE, "
                "VANTHU_SIGNING_PIN)",
            )
        return self.token

    def agency_name(self, agency_code: str) -> str:
        names = self.agency_names or {}
        return names.get(agency_code) or f"Cơ quan mã định danh {agency_code}"


class DraftNotSignable(Exception):
    """A draft that cannot be signed as it is (`field` names what to change)."""

    def __init__(self, index: int, draft_id: str, message: str) -> None:
        self.index = index
        self.draft_id = draft_id
        super().__init__(f"{draft_id}: {message}")


class SigningRefused(Exception):
    """The signer's key did not sign (rejected, timed out, revoked certificate, unknown key)."""

    def __init__(self, failure: SigningFailed) -> None:
        self.state = failure.state
        self.reason = failure.reason
        super().__init__(f"{failure.state}: {failure.reason}")


class NotSigned(Exception):
    """The clerk asked for the number of a draft its signer has not signed."""

    def __init__(self, draft_id: str, last_attempt: Record | None) -> None:
        self.draft_id = draft_id
        self.last_attempt = last_attempt
        if last_attempt is None:
            said = "the leader has not signed this draft"
        else:
            said = (
                "the leader's signing did not succeed "
                f"({last_attempt['state']}: {last_attempt['reason']})"
            )
        super().__init__(f"{draft_id}: {said}; nothing was numbered")


def signed_draft_fact_id(agency_code: str, draft_id: str) -> str:
    return f"signed_draft:{agency_code}:{draft_id}"


def seal_key_of(agency_code: str) -> str:
    return f"seal:{agency_code}"


def stamp_of(signer: SignerMetadata) -> PersonalStamp:
    return PersonalStamp(signer.competence, signer.position, signer.full_name)


async def _approved_drafts(
    registry: Registry, agency_code: str, draft_ids: Sequence[str]
) -> list[Record]:
    drafts = []
    for index, draft_id in enumerate(draft_ids):
        fact = await registry.documents.fact(approved_draft_fact_id(agency_code, draft_id))
        if fact is None:
            raise UnknownDraft(draft_id)
        file = fact["draft"]["file"]
        if file["media_type"] != MediaType.PDF.value:
            raise DraftNotSignable(
                index, draft_id, f"only a PDF is signed, this draft is {file['media_type']}"
            )
        drafts.append(fact)
    return drafts


async def _draft_pdf(registry: Registry, index: int, fact: Record) -> bytes:
    file = fact["draft"]["file"]
    try:
        return await registry.files.get(file["object_key"], file["sha256"])
    except FileMissing as exc:
        raise DraftNotSignable(
            index, fact["draft"]["draft_id"], "the approved draft's file is no longer stored"
        ) from exc


async def sign_drafts(
    desk: SigningDesk,
    *,
    principal: Principal,
    draft_ids: Sequence[str],
    signer: SignerMetadata,
) -> list[Record]:
    """The leader signs approved drafts with his own key, all in one confirmation where the
    provider allows it. A draft signed before is answered as it is (signing again changes
    nothing). On a refusal nothing is signed and each draft records the attempt."""
    registry = desk.registry
    agency = principal.agency_code
    drafts = await _approved_drafts(registry, agency, draft_ids)
    done: dict[str, Record] = {}
    to_sign: list[tuple[int, Record]] = []
    for index, fact in enumerate(drafts):
        held = await registry.documents.fact(
            signed_draft_fact_id(agency, fact["draft"]["draft_id"])
        )
        if held is not None:
            done[fact["draft"]["draft_id"]] = held
        else:
            to_sign.append((index, fact))
    if to_sign:
        pdfs = [await _draft_pdf(registry, index, fact) for index, fact in to_sign]
        description = f"Ký số {len(pdfs)} văn bản của {desk.agency_name(agency)}"
        provider = "remote" if principal.user_id in desk.remote_users else "pkcs11"
        try:
            key, provider = desk.signer_of(principal.user_id)
            signed = await desk.pdfs.sign_personally(
                pdfs, stamp_of(signer), key, principal.user_id, description
            )
        except SigningFailed as exc:
            await _record_failure(registry, principal, [f for _, f in to_sign], exc, provider)
            raise SigningRefused(exc) from exc
        now = datetime.now(UTC)
        for (_, fact), pdf in zip(to_sign, signed, strict=True):
            done[fact["draft"]["draft_id"]] = await _keep_signed(
                registry, principal, fact, pdf, signer, provider, now
            )
    return [done[draft_id] for draft_id in draft_ids]


async def _keep_signed(
    registry: Registry,
    principal: Principal,
    fact: Record,
    pdf: bytes,
    signer: SignerMetadata,
    provider: str,
    now: datetime,
) -> Record:
    draft = fact["draft"]
    stored = await registry.files.put(pdf, MediaType.PDF.value)
    signed: Record = {
        "_id": signed_draft_fact_id(principal.agency_code, draft["draft_id"]),
        "document_id": draft["document_id"],
        "kind": "signed_draft",
        "state": "signed",
        "draft_id": draft["draft_id"],
        "recorded_at": now,
        "signed_at": now,
        "signed_by": person_of(principal),
        "signer": signer.model_dump(mode="json"),
        "provider": provider,
        "file": {
            "file_id": str(uuid.uuid4()),
            "name": f"{draft['draft_id']}-da-ky.pdf",
            "media_type": MediaType.PDF.value,
            "size": len(pdf),
            "sha256": stored.sha256,
            "object_key": stored.object_key,
            "role": "original",
        },
    }
    if not await registry.documents.add_fact(signed, []):
        held = await registry.documents.fact(signed["_id"])
        if held is not None:
            return held
    log.info("draft signed", draft_id=draft["draft_id"], provider=provider)
    return signed


async def _record_failure(
    registry: Registry,
    principal: Principal,
    facts: Sequence[Record],
    failure: SigningFailed,
    provider: str,
) -> None:
    now = datetime.now(UTC)
    for fact in facts:
        draft = fact["draft"]
        await registry.documents.add_fact(
            {
                "_id": f"signing_attempt:{principal.agency_code}:{draft['draft_id']}:{uuid.uuid4()}",
                "document_id": draft["document_id"],
                "kind": "signing_attempt",
                "draft_id": draft["draft_id"],
                "agency_code": principal.agency_code,
                "state": failure.state,
                "reason": failure.reason,
                "provider": provider,
                "recorded_at": now,
                "attempted_by": person_of(principal),
            },
            [],
        )
    log.warning("signing refused", state=failure.state, reason=failure.reason, drafts=len(facts))


async def _last_attempt(registry: Registry, agency_code: str, fact: Record) -> Record | None:
    draft = fact["draft"]
    attempts = [
        a
        for a in await registry.documents.facts_of_kind([draft["document_id"]], "signing_attempt")
        if a.get("draft_id") == draft["draft_id"] and a.get("agency_code") == agency_code
    ]
    return max(attempts, key=lambda a: a["recorded_at"]) if attempts else None


class AppendixProblem(Exception):
    """An appendix of the approved draft that cannot be signed (`index` in its attachments)."""

    def __init__(self, index: int, name: str, message: str) -> None:
        self.index = index
        super().__init__(f"phụ lục {index + 1} ({name}): {message}; chưa cấp số")


async def _appendices(registry: Registry, approved: Record) -> list[tuple[Record, bytes]]:
    """The draft's appendices in files of their own, read (sha256 checked) before numbering."""
    found = []
    for index, file in enumerate(approved["draft"].get("attachments") or ()):
        if file["media_type"] != MediaType.PDF.value:
            raise AppendixProblem(
                index, file["name"], f"only a PDF is signed, this one is {file['media_type']}"
            )
        try:
            data = await registry.files.get(file["object_key"], file["sha256"])
        except FileMissing as exc:
            raise AppendixProblem(index, file["name"], "the file is no longer stored") from exc
        try:
            # opened for real: a damaged or password-protected one cannot be signed
            await check_files([UploadedFile(file["name"], data)], OUTGOING_ORIGINALS)
        except UnacceptableFile as exc:
            raise AppendixProblem(index, file["name"], str(exc).split(": ", 1)[-1]) from exc
        found.append((file, data))
    return found


async def seal_and_issue(
    desk: SigningDesk,
    *,
    principal: Principal,
    draft_id: str,
    metadata: OutgoingDocumentMetadata,
    agency_abbreviation: str,
    place: str | None,
    correlation_id: str | None = None,
) -> Record:
    """The clerk's step: the next number and today's date of the outgoing register (the
    reservation of ADR 0012's addendum), written into the leader's signed PDF, the agency's
    signature over it, and the document issued. Asking again answers the issued document."""
    registry = desk.registry
    agency = principal.agency_code
    approved = await registry.documents.fact(approved_draft_fact_id(agency, draft_id))
    if approved is None:
        raise UnknownDraft(draft_id)
    signed = await registry.documents.fact(signed_draft_fact_id(agency, draft_id))
    if signed is None:
        raise NotSigned(draft_id, await _last_attempt(registry, agency, approved))
    appendices = await _appendices(registry, approved)  # a bad one is said before the number
    record = await reserve_outgoing_number(
        registry,
        principal=principal,
        draft_id=draft_id,
        metadata=metadata,
        agency_abbreviation=agency_abbreviation,
        place=place,
    )
    if record.get("status") != "reserved":
        return await readable_document(registry, principal, record["_id"])
    pdf = await registry.files.get(signed["file"]["object_key"], signed["file"]["sha256"])
    notation = f"{record['code_number']}/{record['code_notation']}"
    day = date.fromisoformat(record["issued_date"])
    seal_of = desk.agency_name(agency)
    try:
        token = desk.agency_token(seal_key_of(agency))
        sealed = await desk.pdfs.seal(
            pdf,
            f"Số: {notation}",
            place_and_date_text(record.get("place"), day),
            seal_of,
            token,
            seal_key_of(agency),
        )
        signed_appendices = [
            UploadedFile(
                name=file["name"],
                data=await desk.pdfs.sign_top_right(
                    data,
                    attachment_mark_text(seal_of, notation, datetime.now(UTC)),
                    seal_of,
                    token,
                    seal_key_of(agency),
                ),
            )
            for file, data in appendices
        ]
    except SigningFailed as exc:
        # The number stays reserved for this draft (asking again takes the same one).
        raise SigningRefused(exc) from exc
    upload = UploadedFile(name=f"{notation.replace('/', '-')}.pdf", data=sealed)
    try:
        issued = await issue_reserved_document(
            registry,
            principal=principal,
            reservation_id=record["_id"],
            upload=upload,
            correlation_id=correlation_id,
            attachments=signed_appendices,
        )
    except NotReserved:
        # Another clerk sealed and issued the same draft meanwhile: theirs is the document.
        return await readable_document(registry, principal, record["_id"])
    log.info("document sealed and issued", document_id=issued["_id"], notation=notation)
    return issued


@dataclass(frozen=True)
class DeskDraft:
    """An approved draft as the signing desk sees it: waiting for its signer, signed and waiting
    for the clerk, or issued; the last failed attempt said when signing did not succeed."""

    approved: Record
    answers: Record | None
    """The incoming document the draft answers, as intake registered it (None: not here)."""
    signed: Record | None
    issued: Record | None
    last_failure: Record | None

    @property
    def state(self) -> str:
        if self.issued is not None and self.issued.get("status") == "registered":
            return "issued"
        if self.signed is not None:
            return "signed"
        return "awaiting_signature"


DESK_LIMIT = 200


async def drafts_at_the_desk(registry: Registry, principal: Principal) -> list[DeskDraft]:
    """The agency's approved drafts, newest first (at most `DESK_LIMIT`), each with how far it
    got: what the leader's signing list and the clerk's sealing list are made of."""
    agency = principal.agency_code
    approved = await registry.documents.approved_drafts_of(agency, DESK_LIMIT)
    ids = [fact["draft"]["draft_id"] for fact in approved]
    signed = {
        fact["draft_id"]: fact
        for fact in await registry.documents.facts_by_id(
            [signed_draft_fact_id(agency, draft_id) for draft_id in ids]
        )
    }
    issued = {
        record["_id"]: record
        for record in await registry.documents.get_many(
            [reservation_id_of(agency, draft_id) for draft_id in ids]
        )
    }
    answered = {
        record["_id"]: record
        for record in await registry.documents.get_many(
            list({fact["draft"]["document_id"] for fact in approved})
        )
    }
    # A draft answering a document the caller may not read is not listed to them (ADR 0006).
    approved = [
        fact
        for fact in approved
        if (doc := answered.get(fact["draft"]["document_id"])) is None or may_read(principal, doc)
    ]
    ids = [fact["draft"]["draft_id"] for fact in approved]
    attempts: dict[str, Record] = {}
    for attempt in await registry.documents.facts_of_kind(
        list({fact["draft"]["document_id"] for fact in approved}), "signing_attempt"
    ):
        if attempt.get("agency_code") == agency:
            attempts[attempt["draft_id"]] = attempt  # sorted by time: the last one stays
    return [
        DeskDraft(
            approved=fact,
            answers=answered.get(fact["draft"]["document_id"]),
            signed=signed.get(draft_id),
            issued=issued.get(reservation_id_of(agency, draft_id)),
            last_failure=attempts.get(draft_id) if draft_id not in signed else None,
        )
        for fact, draft_id in zip(approved, ids, strict=True)
    ]


async def signature_report(
    desk: SigningDesk, principal: Principal, document_id: str
) -> tuple[Record, list[SignatureReport], list[tuple[Record, list[SignatureReport]]]]:
    """Who signed the document's original, when, with which certificate, whether it is trusted
    and what changed after each signature; then the same of every PDF file it keeps (the
    original first, then its appendices)."""
    record = await readable_document(desk.registry, principal, document_id)
    kept = [f for f in stored_files(record) if f.get("role") in ("original", "attachment")]
    if not kept or kept[0].get("role") != "original":
        raise NotFound(document_id)
    if kept[0].get("media_type") != MediaType.PDF.value:
        raise NotFound(document_id)
    per_file = []
    for file in kept:
        if file.get("media_type") != MediaType.PDF.value:
            continue
        try:
            pdf = await desk.registry.files.get(file["object_key"], file["sha256"])
        except FileMissing as exc:
            if file is kept[0]:
                raise NotFound(document_id) from exc
            continue
        per_file.append((file, await desk.pdfs.report(pdf)))
    original, reports = per_file[0]
    return original, reports, per_file
