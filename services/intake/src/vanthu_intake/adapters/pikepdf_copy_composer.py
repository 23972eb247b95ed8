"""The PDF of a copy: the source's pages (the chosen ones for a trích sao), flattened, then a page
with the copy's form block (ND 30 Phụ lục I part III), drawn with fpdf2 in DejaVu so that the
Vietnamese text is real text. The number and date are left to the fields the signing adds at the
positions of `COPY_PLACEMENT` (the same page, the same boxes)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence

import pikepdf
from fpdf import FPDF

from vanthu_intake.adapters.pyhanko_pdf_signing import (
    COPY_PLACEMENT,
    PAGE_HEIGHT,
    SANS,
    SANS_BOLD,
)
from vanthu_intake.domain.copies import CopyForm
from vanthu_intake.ports import UnreadablePdf


def _page_count(pdf: bytes) -> int:
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return len(document.pages)
    except pikepdf.PdfError as exc:
        raise UnreadablePdf(str(exc)) from exc


def _form_page(form: CopyForm) -> bytes:
    """One A4 page, coordinates in points from the top (fpdf's), matching COPY_PLACEMENT."""
    page = FPDF(unit="pt", format="A4")
    page.set_auto_page_break(auto=False)
    page.add_page()
    page.add_font("DejaVu", fname=str(SANS))
    page.add_font("DejaVu", style="B", fname=str(SANS_BOLD))
    number_box = COPY_PLACEMENT.number_box
    date_box = COPY_PLACEMENT.date_box
    top = PAGE_HEIGHT - number_box[3]  # the number line, from the top
    page.set_line_width(0.8)
    page.line(57, top - 60, 565, top - 60)  # the solid line under the copied text
    page.set_font("DejaVu", "B", 11)
    page.set_xy(number_box[0], top - 44)
    page.multi_cell(number_box[2] - number_box[0], 14, form.agency_name.upper(), align="C")
    page.set_font("DejaVu", "B", 13)
    page.set_xy(date_box[0], top - 40)
    page.cell(date_box[2] - date_box[0], 16, form.kind.label, align="C")
    page.set_font("DejaVu", "B", 10)
    person_top = PAGE_HEIGHT - COPY_PLACEMENT.person_box[3]
    page.set_xy(57, person_top)
    page.cell(200, 14, "Nơi nhận:")
    page.set_font("DejaVu", "", 9)
    lines = [f"- {name};" for name in form.recipients] + ["- Lưu: VT."]
    for index, line in enumerate(lines):
        page.set_xy(57, person_top + 16 + 12 * index)
        page.cell(220, 12, line)
    return bytes(page.output())


def _compose(source: bytes, pages: Sequence[int], form: CopyForm) -> bytes:
    try:
        original = pikepdf.open(io.BytesIO(source))
    except pikepdf.PdfError as exc:
        raise UnreadablePdf(str(exc)) from exc
    with original, pikepdf.open(io.BytesIO(_form_page(form))) as form_pdf, pikepdf.new() as copy:
        # The source's signatures and fields become part of the page (what it showed), so the
        # copy has no form fields of its own but those the signing adds.
        original.flatten_annotations("all")
        for number in pages:
            copy.pages.append(original.pages[number - 1])
        copy.pages.append(form_pdf.pages[0])
        out = io.BytesIO()
        copy.save(out)
        return out.getvalue()


class PikepdfCopyComposer:
    async def page_count(self, pdf: bytes) -> int:
        return await asyncio.to_thread(_page_count, pdf)

    async def compose(self, source: bytes, pages: Sequence[int], form: CopyForm) -> bytes:
        return await asyncio.to_thread(_compose, source, list(pages), form)
