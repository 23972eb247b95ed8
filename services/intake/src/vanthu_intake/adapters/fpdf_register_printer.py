"""The incoming and outgoing registers printed as PDF (fpdf2, DejaVu for Vietnamese letters)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

_INCOMING_COLUMNS = (
    ("Số đến", 16),
    ("Ngày đến", 22),
    ("Tác giả", 45),
    ("Số, ký hiệu", 32),
    ("Ngày văn bản", 24),
    ("Trích yếu nội dung", 105),
    ("Ghi chú", 33),
)
_OUTGOING_COLUMNS = (
    ("Số, ký hiệu", 34),
    ("Ngày văn bản", 24),
    ("Tên loại và trích yếu nội dung", 110),
    ("Người ký", 40),
    ("Nơi nhận", 50),
    ("Ghi chú", 19),
)


def print_register(
    *,
    title: str,
    agency_code: str,
    start: date,
    end: date,
    rows: list[dict[str, Any]],
    outgoing: bool,
) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(BOLD if BOLD.exists() else FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(
        0,
        6,
        f"Cơ quan: {agency_code} — từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    columns = _OUTGOING_COLUMNS if outgoing else _INCOMING_COLUMNS
    with pdf.table(
        col_widths=tuple(width for _, width in columns), text_align="LEFT", line_height=5
    ) as table:
        header = table.row()
        for name, _ in columns:
            header.cell(name)
        pdf.set_font("DejaVu", size=8)
        for values in rows:
            row = table.row()
            for name, _ in columns:
                row.cell(str(values.get(name, "")))
    return bytes(pdf.output())
