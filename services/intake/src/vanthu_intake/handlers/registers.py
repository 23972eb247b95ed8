"""Printed registers."""

from __future__ import annotations

from datetime import datetime

import structlog
from vanthu_runtime.auth import Principal

from vanthu_intake.domain.numbering import (
    Register,
)
from vanthu_intake.domain.registers import copy_row, incoming_row, outgoing_row
from vanthu_intake.handlers.reading import may_read
from vanthu_intake.handlers.registry import Registry
from vanthu_intake.ports import (
    Record,
)

log = structlog.get_logger(__name__)


def _register_row(principal: Principal, record: Record, outgoing: bool) -> Record:
    visible = may_read(principal, record)
    if record.get("register") == Register.COPIES.value:
        return copy_row(record, visible=visible)
    if outgoing:
        return outgoing_row(record, visible=visible)
    return incoming_row(record, visible=visible)


async def _fill_void_reasons(registry: Registry, records: list[Record]) -> None:
    """Documents voided before the reason was kept on the document itself (ADR 0014 addendum)
    have it only in their `void` fact: read those facts, one read for the whole register."""
    missing = {r["_id"]: r for r in records if r["status"] == "void" and not r.get("void_reason")}
    if not missing:
        return
    for fact in await registry.documents.facts_of_kind(list(missing), "void"):
        record = missing[fact["document_id"]]
        record["void_reason"] = fact["void"].get("reason")
        record.setdefault("voided_at", fact["void"].get("voided_at"))


async def register_rows(
    registry: Registry,
    principal: Principal,
    register: Register,
    start: datetime,
    end: datetime,
) -> list[Record]:
    """Every entry of a register in a period, voided ones included; secrets masked unless named."""
    query = {
        "agency_code": principal.agency_code,
        "register": register.value,
        "registered_at": {"$gte": start, "$lt": end},
    }
    records, _ = await registry.documents.find(
        query, skip=0, limit=100_000, sort=[("year", 1), ("number", 1)]
    )
    await _fill_void_reasons(registry, records)
    outgoing = register is not Register.INCOMING
    return [_register_row(principal, record, outgoing) for record in records]
