"""In-memory stand-ins for intake's ports, with state a test can look at."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from vanthu_contracts import KafkaRecord
from vanthu_intake.domain.numbering import RegisterKey
from vanthu_intake.ports import FileMissing, Reservation, StoredFile
from vanthu_runtime.errors import AlreadyExists


class FakeFileStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    async def put(self, data: bytes, media_type: str) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        self.objects[f"sha256/{digest}"] = data
        return StoredFile(f"sha256/{digest}", digest, len(data))

    async def put_named(self, key: str, data: bytes, media_type: str) -> StoredFile:
        self.objects[key] = data
        return StoredFile(key, hashlib.sha256(data).hexdigest(), len(data))

    async def get(self, object_key: str, sha256: str) -> bytes:
        if object_key not in self.objects:
            raise FileMissing(object_key)
        return self.objects[object_key]

    async def link(self, object_key: str, ttl: timedelta, download_name: str = "") -> str:
        return f"https://blobs.example/{object_key}"


class FakeNumberRegister:
    def __init__(self) -> None:
        self.claims: dict[tuple[RegisterKey, int], dict[str, Any]] = {}
        self.checked_up_to: Reservation | None = None

    async def reserve(self, key: RegisterKey, document_id: str) -> int:
        number = 1 + max((n for k, n in self.claims if k == key), default=0)
        self.claims[(key, number)] = {
            "document_id": document_id,
            "state": "reserved",
            "at": datetime.now(UTC),
        }
        return number

    async def claim_existing(self, key: RegisterKey, number: int, document_id: str) -> str:
        if (key, number) in self.claims:
            return str(self.claims[(key, number)]["document_id"])
        self.claims[(key, number)] = {"document_id": document_id, "state": "stored", "at": None}
        return document_id

    async def reservation_of(self, key: RegisterKey, document_id: str) -> int | None:
        for (k, number), claim in self.claims.items():
            if k == key and claim["document_id"] == document_id and claim["state"] == "reserved":
                return number
        return None

    async def unchecked_reservations(self, older_than: timedelta) -> Sequence[Reservation]:
        cutoff = datetime.now(UTC) - older_than
        every = sorted(
            (
                Reservation(key, number, claim["document_id"], claim["at"])
                for (key, number), claim in self.claims.items()
                if claim["state"] == "reserved" and claim["at"] <= cutoff
            ),
            key=lambda r: (r.at, r.number),
        )
        mark = self.checked_up_to
        return [r for r in every if mark is None or (r.at, r.number) > (mark.at, mark.number)]

    async def checked(self, up_to: Reservation) -> None:
        self.checked_up_to = up_to

    async def voided(self, key: RegisterKey, number: int) -> None:
        self.claims[(key, number)]["state"] = "void"


def _same_number(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The real store's unique index: one document per number of a register and year."""
    fields = ("agency_code", "register", "year", "number")
    return a.get("number") is not None and all(a.get(f) == b.get(f) for f in fields)


class FakeDocumentRepository:
    def __init__(self) -> None:
        self.saved: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.published: list[KafkaRecord] = []

    async def add(self, record: dict[str, Any], events: Sequence[KafkaRecord]) -> None:
        if record["_id"] in self.saved or any(
            _same_number(record, other) for other in self.saved.values()
        ):
            raise AlreadyExists("intake_documents", {"_id": record["_id"]})
        self.saved[record["_id"]] = dict(record)
        self.published += events

    async def get(self, document_id: str) -> dict[str, Any] | None:
        return self.saved.get(document_id)

    async def get_many(self, document_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [self.saved[i] for i in document_ids if i in self.saved]

    async def find(self, query, *, skip, limit, sort):
        """Equality and `$gte`/`$lt` ranges on top-level fields: what the registers ask."""
        found = [r for r in self.saved.values() if _matches(r, query)]
        for field_name, direction in reversed(sort):
            found.sort(key=lambda r, f=field_name: r.get(f), reverse=direction < 0)
        return found[skip : skip + limit], len(found)

    async def add_fact(self, fact: dict[str, Any], events: Sequence[KafkaRecord]) -> bool:
        if fact["_id"] in self.facts:
            return False
        self.facts[fact["_id"]] = fact
        self.published += events
        return True

    async def facts_of(self, document_id: str) -> list[dict[str, Any]]:
        facts = [f for f in self.facts.values() if f["document_id"] == document_id]
        return sorted(facts, key=lambda fact: fact["recorded_at"])

    async def fact(self, fact_id: str) -> dict[str, Any] | None:
        return self.facts.get(fact_id)

    async def finish_reservation(
        self, document_id: str, changes: dict[str, Any], events: Sequence[KafkaRecord]
    ) -> dict[str, Any] | None:
        record = self.saved.get(document_id)
        if record is None or record["status"] != "reserved":
            return None
        record.update(changes, status="registered")
        self.published += events
        return dict(record)

    async def facts_by_id(self, fact_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [self.facts[i] for i in fact_ids if i in self.facts]

    async def approved_drafts_of(self, agency_code: str, limit: int) -> list[dict[str, Any]]:
        drafts = [
            f
            for f in self.facts.values()
            if f["kind"] == "approved_draft" and f["draft"]["agency_code"] == agency_code
        ]
        return sorted(drafts, key=lambda fact: fact["recorded_at"], reverse=True)[:limit]

    async def facts_of_kind(self, document_ids: Sequence[str], kind: str) -> list[dict[str, Any]]:
        wanted = set(document_ids)
        facts = [f for f in self.facts.values() if f["document_id"] in wanted and f["kind"] == kind]
        return sorted(facts, key=lambda fact: fact["recorded_at"])

    async def void(
        self, document_id: str, changes: dict[str, Any], events: Sequence[KafkaRecord]
    ) -> dict[str, Any] | None:
        record = self.saved.get(document_id)
        if record is None or record["status"] not in ("registered", "reserved"):
            return None
        record.update(changes, status="void")
        self.published += events
        return dict(record)


def _matches(record: dict[str, Any], query: dict[str, Any]) -> bool:
    for field_name, wanted in query.items():
        value = record.get(field_name)
        if isinstance(wanted, dict):
            if "$gte" in wanted and not value >= wanted["$gte"]:
                return False
            if "$lt" in wanted and not value < wanted["$lt"]:
                return False
        elif value != wanted:
            return False
    return True


class FakeClaimBook:
    def __init__(self) -> None:
        self.held: dict[str, dict[str, Any]] = {}

    async def claim(
        self, key: str, owner: str, details: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        if key in self.held:
            return self.held[key]
        self.held[key] = {**(details or {}), "_id": key, "owner": owner, "at": datetime.now(UTC)}
        return None

    async def claim_all(self, keys: Sequence[str], owner: str) -> dict[str, dict[str, Any]]:
        held = {key: await self.claim(key, owner) for key in keys}
        return {key: claim for key, claim in held.items() if claim is not None}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.held.get(key)

    async def take_over(self, key: str, holder: str, owner: str) -> bool:
        if key not in self.held or self.held[key]["owner"] != holder:
            return False
        self.held[key] = {**self.held[key], "owner": owner, "at": datetime.now(UTC)}
        return True

    async def release(self, keys: Sequence[str], owner: str) -> None:
        for key in keys:
            if key in self.held and self.held[key]["owner"] == owner:
                del self.held[key]


class FakeSigner:
    """The signing port's stand-in: `confirmations` counts the holder's confirmations (one per
    call), `refuse_with` makes the next calls fail as a remote provider would."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = set(keys)
        self.confirmations: list[tuple[str, int]] = []
        self.refuse_with: Exception | None = None

    async def certificate(self, key_ref: str) -> bytes:
        from vanthu_runtime.signing import UnknownKey

        if key_ref not in self.keys:
            raise UnknownKey(key_ref, "no such key")
        return f"certificate of {key_ref}".encode()

    async def sign_digests(
        self, key_ref: str, digests: Sequence[bytes], *, description: str
    ) -> list[bytes]:
        await self.certificate(key_ref)
        if self.refuse_with is not None:
            raise self.refuse_with
        self.confirmations.append((key_ref, len(digests)))
        return [b"cms:" + key_ref.encode() + b":" + d for d in digests]


class FakePdfSigning:
    """Signs by appending a marker after %%EOF (the PDF stays one), through the real port calls:
    the digests go to the signer given, so its refusals and confirmations are the test's."""

    async def sign_personally(self, pdfs, stamp, signer, key_ref, description):
        signatures = await signer.sign_digests(
            key_ref, [hashlib.sha256(p).digest() for p in pdfs], description=description
        )
        return [
            pdf + b"\n%signed " + stamp.full_name.encode() + b" " + s[:40].hex().encode() + b"\n"
            for pdf, s in zip(pdfs, signatures, strict=True)
        ]

    async def seal(self, pdf, number_text, date_text, seal_of, signer, key_ref):
        await signer.sign_digests(key_ref, [hashlib.sha256(pdf).digest()], description=number_text)
        marker = f"\n%{number_text} | {date_text} | sealed by {key_ref}\n"
        return pdf + marker.encode()

    async def report(self, pdf):
        return []


class FakePdfText:
    """What pdftotext would read: here the markers FakePdfSigning wrote."""

    async def text_of(self, pdf: bytes) -> str | None:
        return pdf.decode("utf-8", errors="ignore")
