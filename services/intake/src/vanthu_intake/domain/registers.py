"""The rows of the printed registers, column by column as ND 30/2020 Phụ lục IV draws the forms.

Sổ đăng ký văn bản đến (mẫu VI): Ngày đến, Số đến, Tác giả, Số ký hiệu, Ngày văn bản, Tên loại
và trích yếu nội dung, Đơn vị hoặc người nhận, Ngày chuyển, Ký nhận, Ghi chú. Sổ đăng ký văn bản đi
(mẫu I): Số ký hiệu, Ngày văn bản, Tên loại và trích yếu nội dung, Người ký, Nơi nhận văn bản, Đơn
vị người nhận bản lưu, Số lượng bản, Ngày chuyển, Ký nhận, Ghi chú. "Ký nhận" (and the incoming
"Ngày chuyển", the day the paper is handed over) stay empty: they are written by hand on the
printed register. Agencies appear by name, every date as dd/mm/yyyy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from vanthu_intake.domain.document_types import UnknownDocumentType, parse_document_type
from vanthu_intake.domain.vietnam_time import VIETNAM

INCOMING_COLUMNS = (
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu",
    "Ngày văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
OUTGOING_COLUMNS = (
    "Số, ký hiệu",
    "Ngày văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)

MASKED = "(văn bản mật)"
"""What a register shows of a secret document's subject to someone not named on it (ADR 0006)."""

Row = dict[str, str]


def vietnamese_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy; an instant is taken on Vietnam's calendar, an ISO date string is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM).date()
    return f"{value:%d/%m/%Y}"


def type_and_subject(document_type: str | None, subject: str) -> str:
    """ "Quyết định: Về việc ...", the type's Vietnamese name before the trích yếu."""
    if not document_type:
        return subject
    try:
        name = parse_document_type(document_type).vietnamese_name
    except UnknownDocumentType:
        name = document_type
    return f"{name}: {subject}" if subject else name


def void_note(record: Mapping[str, Any]) -> str:
    """The Ghi chú of an entry: "Hủy:" and why for a voided one, and a word for a number given to
    a draft that waits for its signature."""
    if record.get("status") == "reserved":
        return "Đã cấp số, chờ ký ban hành"
    if record.get("status") != "void":
        return ""
    reason = (record.get("void_reason") or "").strip() or "(không ghi lý do)"
    voided_at = record.get("voided_at")
    when = f" (ngày {vietnamese_date(voided_at)})" if voided_at else ""
    return f"Hủy: {reason}{when}"


def incoming_row(record: Mapping[str, Any], *, visible: bool) -> Row:
    metadata = record.get("metadata") or {}
    issuer = metadata.get("issuer") or {}
    code = f"{metadata.get('code_number', '')}/{metadata.get('code_notation', '')}".strip("/")
    subject = metadata.get("subject", "") if visible else MASKED
    receivers = "; ".join(metadata.get("recipients") or ()) if visible else ""
    return {
        "Ngày đến": vietnamese_date(record["registered_at"]),
        "Số đến": str(record["number"]),
        "Tác giả": issuer.get("name", ""),
        "Số, ký hiệu": code,
        "Ngày văn bản": vietnamese_date(metadata.get("issued_date")),
        "Tên loại và trích yếu nội dung": type_and_subject(metadata.get("document_type"), subject),
        "Đơn vị hoặc người nhận": receivers,
        "Ngày chuyển": "",
        "Ký nhận": "",
        "Ghi chú": void_note(record),
    }


def outgoing_row(record: Mapping[str, Any], *, visible: bool) -> Row:
    metadata = record.get("metadata") or {}
    signer = metadata.get("signer") or {}
    recipients = list(metadata.get("recipients") or ())
    subject = metadata.get("subject", "") if visible else MASKED
    number = record.get("code_number") or str(record["number"])
    notation = record.get("code_notation")
    drafting_unit = metadata.get("drafting_unit_abbreviation")
    kept_by = ", ".join(part for part in ("VT", drafting_unit) if part) if metadata else ""
    return {
        "Số, ký hiệu": f"{number}/{notation}" if notation else number,
        "Ngày văn bản": vietnamese_date(record.get("issued_date") or record["registered_at"]),
        "Tên loại và trích yếu nội dung": type_and_subject(metadata.get("document_type"), subject),
        "Người ký": signer.get("full_name", ""),
        "Nơi nhận văn bản": "; ".join(r["name"] for r in recipients) if visible else "",
        "Đơn vị, người nhận bản lưu": kept_by,
        # One copy to each recipient; the copies kept (Lưu) are named in the column before.
        "Số lượng bản": str(len(recipients)) if recipients else "",
        "Ngày chuyển": vietnamese_date(record["registered_at"]) if recipients else "",
        "Ký nhận": "",
        "Ghi chú": void_note(record),
    }


_COPY_LABELS = {"sao_y": "Bản sao y", "sao_luc": "Bản sao lục", "trich_sao": "Bản trích sao"}


def copy_row(record: Mapping[str, Any], *, visible: bool) -> Row:
    """A copy in the copies register (ADR 0019 addendum), in the outgoing register's columns: its
    own number and notation, the kind before the source's type and subject, its own signer."""
    metadata = record.get("metadata") or {}
    copy_of = record.get("copy_of") or {}
    subject = metadata.get("subject", "") if visible else MASKED
    label = _COPY_LABELS.get(copy_of.get("kind", ""), "Bản sao")
    number = record.get("code_number") or str(record["number"])
    notation = record.get("code_notation")
    return {
        "Số, ký hiệu": f"{number}/{notation}" if notation else number,
        "Ngày văn bản": vietnamese_date(record.get("issued_date") or record["registered_at"]),
        "Tên loại và trích yếu nội dung": (
            f"{label} - {type_and_subject(metadata.get('document_type'), subject)}"
        ),
        "Người ký": (record.get("signer") or {}).get("full_name", ""),
        "Nơi nhận văn bản": "",
        "Đơn vị, người nhận bản lưu": "VT",
        "Số lượng bản": "",
        "Ngày chuyển": "",
        "Ký nhận": "",
        "Ghi chú": void_note(record),
    }
