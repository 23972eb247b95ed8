"""Reading documents and their files, as each person may see them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from vanthu_runtime.auth import Principal
from vanthu_runtime.visibility import may_see, visible_filter

from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.handlers.registry import NotFound, Registry
from vanthu_intake.ports import (
    Record,
)

log = structlog.get_logger(__name__)


def with_facts(record: Record, facts: list[Record]) -> Record:
    """The document as it stands: its registration plus what was learnt about it since."""
    merged = dict(record)
    ocr: Record = dict(record.get("ocr") or {})
    signatures: Record = dict(record.get("signatures") or {})
    for fact in facts:
        if fact["kind"] == "ocr":
            ocr[fact["file_id"]] = fact["ocr"]
        elif fact["kind"] == "signature":
            signatures[fact["file_id"]] = fact["signature"]
        elif fact["kind"] == "void":
            # Voids recorded as facts before the document itself took them (ADR 0014 addendum).
            merged["status"] = "void"
            merged["void_reason"] = fact["void"]["reason"]
            merged["voided_at"] = fact["void"]["voided_at"]
        elif fact["kind"] == "send_request":
            merged.setdefault("send_requests", []).append(fact["request"])
        elif fact["kind"] == "exchange_status":
            merged.setdefault("exchange_statuses", []).append(fact["status"])
    merged["ocr"] = ocr
    merged["signatures"] = signatures
    merged.setdefault("exchange_statuses", [])
    return merged


def may_read(principal: Principal, record: Record) -> bool:
    """The one rule of ADR 0006 (`vanthu_runtime.visibility`): same agency; confidential
    documents only for the people named on them and the clerk who registered the paper, who has
    already held it."""
    return may_see(
        principal,
        agency_code=str(record.get("agency_code")),
        confidentiality=record.get("confidentiality", Confidentiality.NORMAL.value),
        readers=record.get("allowed_user_ids") or (),
        registered_by=(record.get("registered_by") or {}).get("user_id"),
    )


def visibility_filter(principal: Principal) -> Record:
    return visible_filter(
        principal, readers_field="allowed_user_ids", registered_by_field="registered_by.user_id"
    )


async def readable_document(registry: Registry, principal: Principal, document_id: str) -> Record:
    record = await registry.documents.get(document_id)
    if record is None or not may_read(principal, record):
        # The same answer for "absent" and "not yours": existence itself is not disclosed.
        raise NotFound(document_id)
    facts = await registry.documents.facts_of(document_id)
    return with_facts(record, facts)


async def list_documents(
    registry: Registry,
    principal: Principal,
    filters: Record,
    *,
    skip: int,
    limit: int,
) -> tuple[list[Record], int]:
    query = {**filters, **visibility_filter(principal)}
    return await registry.documents.find(
        query, skip=skip, limit=limit, sort=[("registered_at", -1), ("_id", 1)]
    )


def stored_files(record: Record) -> list[Record]:
    """Every file intake keeps for a document (merged with its facts): the original and the
    attachments (received ones too), migrated evidence, and each scan's OCR derivative."""
    return list(record.get("files", [])) + [
        ocr["derivative"] for ocr in (record.get("ocr") or {}).values() if "derivative" in ocr
    ]


async def file_link(
    registry: Registry, principal: Principal, document_id: str, file_id: str, ttl: timedelta
) -> tuple[Record, str]:
    record = await readable_document(registry, principal, document_id)
    for file in stored_files(record):
        if file["file_id"] == file_id:
            return file, await registry.files.link(file["object_key"], ttl, file["name"])
    raise NotFound(file_id)


async def file_links(
    registry: Registry, principal: Principal, document_id: str, ttl: timedelta
) -> list[tuple[Record, str]]:
    """A short-lived link to each file of a document the caller may see (else NotFound)."""
    record = await readable_document(registry, principal, document_id)
    files = stored_files(record)
    urls = await asyncio.gather(
        *(registry.files.link(f["object_key"], ttl, f["name"]) for f in files)
    )
    return list(zip(files, urls, strict=True))
