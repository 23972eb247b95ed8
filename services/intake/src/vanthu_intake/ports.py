"""What the handlers need from the outside world, in the registry office's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from vanthu_contracts import KafkaRecord
from vanthu_runtime.signing import Signer

from vanthu_intake.domain.copies import CopyForm
from vanthu_intake.domain.numbering import RegisterKey

Record = dict[str, Any]


@dataclass(frozen=True)
class StoredFile:
    object_key: str
    sha256: str
    size: int


class FileMissing(Exception):
    """The blob store has no object under the key a record names."""


class UnreadableScan(Exception):
    """OCR cannot read this file and trying again will not help (damaged, not really an image,
    encrypted): a person has to look at it."""


class FileStore(Protocol):
    """Originals and derivatives, content-addressed and never altered."""

    async def put(self, data: bytes, media_type: str) -> StoredFile: ...

    async def get(self, object_key: str, sha256: str) -> bytes: ...

    async def put_named(self, key: str, data: bytes, media_type: str) -> StoredFile: ...

    async def link(self, object_key: str, ttl: timedelta, download_name: str = "") -> str:
        """A short-lived link; the file downloads as `download_name` (escaped, never a path)."""
        ...


class NumberRegister(Protocol):
    """Hands out the next number of a yearly register, remembering it until its document is
    checked to have come (or the number is voided)."""

    async def reserve(self, key: RegisterKey, document_id: str) -> int: ...

    async def claim_existing(self, key: RegisterKey, number: int, document_id: str) -> str:
        """Take a number an older system gave (migration); the id of the document holding it."""
        ...

    async def reservation_of(self, key: RegisterKey, document_id: str) -> int | None:
        """The number still reserved for this document by an interrupted run, if any."""
        ...

    async def unchecked_reservations(self, older_than: timedelta) -> Sequence[Reservation]:
        """Numbers reserved longer ago than `older_than` and not checked yet, oldest first (a
        page: ask again after `checked`)."""
        ...

    async def checked(self, up_to: Reservation) -> None:
        """Every reservation up to this one (in the order of `unchecked_reservations`) has its
        document or its void entry."""
        ...

    async def voided(self, key: RegisterKey, number: int) -> None:
        """The number's document never came and the number is written as void."""
        ...


@dataclass(frozen=True)
class Reservation:
    key: RegisterKey
    number: int
    document_id: str
    at: datetime


class DocumentRepository(Protocol):
    """Registered documents, each written together with the events it must publish."""

    async def add(self, record: Record, events: Sequence[KafkaRecord]) -> None: ...

    async def get(self, document_id: str) -> Record | None: ...

    async def get_many(self, document_ids: Sequence[str]) -> list[Record]: ...

    async def find(
        self, query: Record, *, skip: int, limit: int, sort: Sequence[tuple[str, int]]
    ) -> tuple[list[Record], int]: ...

    async def add_fact(self, fact: Record, events: Sequence[KafkaRecord]) -> bool: ...

    async def facts_of(self, document_id: str) -> list[Record]: ...

    async def fact(self, fact_id: str) -> Record | None: ...

    async def finish_reservation(
        self, document_id: str, changes: Record, events: Sequence[KafkaRecord]
    ) -> Record | None:
        """Turn a document holding a reserved number into a registered one, with its events, at
        once; None when it is not (any more) reserved."""
        ...

    async def facts_of_kind(self, document_ids: Sequence[str], kind: str) -> list[Record]:
        """The facts of one kind (`void`, `ocr`...) of several documents, in one read."""
        ...

    async def facts_by_id(self, fact_ids: Sequence[str]) -> list[Record]:
        """The facts of these ids that exist, in one read."""
        ...

    async def approved_drafts_of(self, agency_code: str, limit: int) -> list[Record]:
        """The agency's approved drafts (facts of kind `approved_draft`), newest first."""
        ...

    async def void(
        self, document_id: str, changes: Record, events: Sequence[KafkaRecord]
    ) -> Record | None:
        """Mark a registered document void with its events, at once; None when it is not
        registered (any more)."""
        ...


class PdfText(Protocol):
    async def text_of(self, pdf: bytes) -> str | None:
        """The text a reader sees in the PDF; None when it cannot be read."""
        ...


class ClaimBook(Protocol):
    """Keys that exactly one owner may hold (a duplicate key, an imported row): the unique `_id`
    of a claim is the rule, and the first insert wins (ADR 0014)."""

    async def claim(self, key: str, owner: str, details: Record | None = None) -> Record | None:
        """Take `key` for `owner`: None when taken now, else the claim that already holds it."""
        ...

    async def claim_all(self, keys: Sequence[str], owner: str) -> dict[str, Record]:
        """Take every free key of `keys` for `owner` at once; the claims others hold, by key."""
        ...

    async def get(self, key: str) -> Record | None: ...

    async def take_over(self, key: str, holder: str, owner: str) -> bool:
        """Give the key held by `holder` (dead or voided) to `owner`; False if someone beat us."""
        ...

    async def release(self, keys: Sequence[str], owner: str) -> None:
        """Give up those of `keys` that `owner` holds."""
        ...


class OcrEngine(Protocol):
    async def read(self, data: bytes, media_type: str) -> OcrResult: ...


@dataclass(frozen=True)
class OcrResult:
    searchable_pdf: bytes
    text: str
    page_confidences: tuple[float, ...]


class SignatureVerifier(Protocol):
    async def verify(self, pdf: bytes) -> SignatureCheck: ...


@dataclass(frozen=True)
class SignerInfo:
    subject: str
    issuer: str
    serial_number: str | None
    signed_at: Any


@dataclass(frozen=True)
class SignatureCheck:
    result: str
    """valid, invalid, untrusted or unsigned (contracts' SignatureResult)."""
    signers: tuple[SignerInfo, ...]
    reason: str | None


# Signing outgoing documents (issue 14, ADR 0019)


@dataclass(frozen=True)
class PersonalStamp:
    """What the visible signature of the person shows (ND 30 Phụ lục I): the signing authority
    ("KT. GIÁM ĐỐC"), the title, the name; the time is the signing time."""

    competence: str | None
    position: str
    full_name: str


@dataclass(frozen=True)
class SignatureReport:
    """One signature of a PDF, as the verification report shows it."""

    field_name: str
    signer: str
    issuer: str
    serial_number: str
    signed_at: datetime | None
    intact: bool
    """The signed bytes are those the signer signed."""
    trusted: bool
    """The certificate chains to a certificate authority of the deployment's trust list."""
    changes_after: str
    """What changed after this signature: none, form_filling (numbers, later signatures),
    annotations, or other (not permitted)."""
    changes_permitted: bool
    level: str
    """PAdES B-T when a timestamp authority timestamped it, else B-B."""
    timestamped_at: datetime | None


class PdfSigning(Protocol):
    async def sign_personally(
        self,
        pdfs: Sequence[bytes],
        stamp: PersonalStamp,
        signer: Signer,
        key_ref: str,
        description: str,
    ) -> list[bytes]:
        """Each PDF signed by the person (certifying, form filling and signing permitted), with
        empty fields for the number, the date and the agency's signature; one confirmation for
        all where the signer asks for one. Raises `SigningFailed`."""
        ...

    async def seal(
        self,
        pdf: bytes,
        number_text: str,
        date_text: str,
        seal_of: str,
        signer: Signer,
        key_ref: str,
    ) -> bytes:
        """The number and date written in their fields and the agency's signature applied over
        the person's, as one incremental update. Raises `SigningFailed`."""
        ...

    async def sign_copy(
        self, pdf: bytes, stamp: PersonalStamp, signer: Signer, key_ref: str, description: str
    ) -> bytes:
        """A copy (its last page the form block) signed by the competent person as
        `sign_personally` signs, its fields on the form page. Raises `SigningFailed`."""
        ...

    async def sign_top_right(
        self, pdf: bytes, text: str, seal_of: str, signer: Signer, key_ref: str
    ) -> bytes:
        """The agency's signature at the top right of the first page, no image, showing `text`
        (an appendix file's, a converted paper document's). Raises `SigningFailed`."""
        ...

    async def report(self, pdf: bytes) -> list[SignatureReport]: ...


class UnreadablePdf(Exception):
    """A PDF that cannot be copied (damaged, encrypted)."""


class CopyComposer(Protocol):
    """Makes the PDF of a copy from its source's (ND 30 Phụ lục I part III)."""

    async def page_count(self, pdf: bytes) -> int:
        """Raises `UnreadablePdf`."""
        ...

    async def compose(self, source: bytes, pages: Sequence[int], form: CopyForm) -> bytes:
        """The source's `pages` (1-based, in this order) then the copy's form block page.
        Raises `UnreadablePdf`."""
        ...
