"""The rows of the printed registers: the ND 30 columns, dd/mm/yyyy, secrets masked, voids said."""

from __future__ import annotations

from datetime import UTC, datetime

from vanthu_intake.domain.registers import MASKED, incoming_row, outgoing_row

LATE_EVENING_UTC = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # already 1 January in Vietnam


def test_a_secret_entry_shows_its_number_but_neither_subject_nor_receivers_to_others() -> None:
    record = {
        "registered_at": LATE_EVENING_UTC,
        "number": 7,
        "status": "registered",
        "metadata": {
            "issuer": {"name": "Bộ Quốc phòng"},
            "document_type": "decision",
            "code_number": "3",
            "code_notation": "QĐ-BQP",
            "issued_date": "2026-12-30",
            "subject": "Về việc điều động",
            "recipients": ["Giám đốc"],
        },
    }

    row = incoming_row(record, visible=False)

    assert row["Ngày đến"] == "01/01/2027"
    assert row["Ngày văn bản"] == "30/12/2026"
    assert row["Tên loại và trích yếu nội dung"] == f"Quyết định: {MASKED}"
    assert row["Đơn vị hoặc người nhận"] == ""


def test_a_number_voided_before_its_document_was_stored_prints_as_a_void_entry() -> None:
    record = {
        "registered_at": LATE_EVENING_UTC,
        "number": 4,
        "status": "void",
        "void_reason": "đăng ký bị gián đoạn",
        "voided_at": LATE_EVENING_UTC,
    }

    row = outgoing_row(record, visible=True)

    assert row["Số, ký hiệu"] == "4"
    assert row["Ngày văn bản"] == "01/01/2027"
    assert row["Ghi chú"] == "Hủy: đăng ký bị gián đoạn (ngày 01/01/2027)"
    assert row["Số lượng bản"] == ""
