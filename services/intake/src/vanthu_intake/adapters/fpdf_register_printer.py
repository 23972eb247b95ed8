"""The incoming and outgoing registers printed as PDF (fpdf2, DejaVu for Vietnamese letters)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from vanthu_intake.domain.registers import INCOMING_COLUMNS, OUTGOING_COLUMNS, Row

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# Millimetres on A4 landscape (277 between the margins), in the order of the columns.
_INCOMING_WIDTHS = (21, 12, 32, 26, 21, 64, 30, 21, 22, 28)
_OUTGOING_WIDTHS = (26, 21, 62, 28, 38, 26, 13, 21, 20, 22)


def print_register(
    *,
    title: str,
    agency_name: str,
    start: date,
    end: date,
    rows: list[Row],
    outgoing: bool,
) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(BOLD if BOLD.exists() else FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 6, agency_name.upper(), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", size=10)
    pdf.cell(
        0,
        6,
        f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    columns = OUTGOING_COLUMNS if outgoing else INCOMING_COLUMNS
    widths = _OUTGOING_WIDTHS if outgoing else _INCOMING_WIDTHS
    pdf.set_font("DejaVu", "B", 8)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
        header = table.row()
        for name in columns:
            header.cell(name)
        pdf.set_font("DejaVu", size=8)
        for values in rows:
            row = table.row()
            for name in columns:
                row.cell(values.get(name, ""))
    return bytes(pdf.output())
