"""Copies the agency makes of documents (ND 30/2020 Art. 25–27, Phụ lục I part III) and the
electronic copy of a paper document (Luật Giao dịch điện tử 20/2023, Art. 12).

A copy (bản sao) is a document of its own: the pages of the source (all of them for sao y and sao
lục, the chosen ones for trích sao), then the copy's form block — the kind ("SAO Y"), the copying
agency, the copy's number and notation (one series of copies per agency and year, whatever the
kind: ``05/SY-UBND``), place and date, the signer — signed by the competent person and by the
agency. A paper document converted to an electronic one carries the conversion mark (what, who,
when) and the agency's signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vanthu_intake.domain.vietnam_time import VIETNAM


class CopyKind(StrEnum):
    SAO_Y = "sao_y"
    """The whole document, as it is."""
    SAO_LUC = "sao_luc"
    """The whole document, copied from a copy (bản sao y)."""
    TRICH_SAO = "trich_sao"
    """Part of the document: the chosen pages."""

    @property
    def label(self) -> str:
        """As the form block prints it (Phụ lục I: "SAO Y", "SAO LỤC", "TRÍCH SAO")."""
        return {"sao_y": "SAO Y", "sao_luc": "SAO LỤC", "trich_sao": "TRÍCH SAO"}[self.value]

    @property
    def abbreviation(self) -> str:
        """Phụ lục III: SY, SL, TrS; the first group of the copy's notation."""
        return {"sao_y": "SY", "sao_luc": "SL", "trich_sao": "TrS"}[self.value]


CONVERSION_MARK = "ĐÃ CHUYỂN ĐỔI TỪ VĂN BẢN GIẤY"
"""Luật 20/2023 Art. 12.2 asks the converted data message for its own sign that it was
converted from paper; the law fixes no wording, this is ours (ADR 0019 addendum)."""


class PageChoiceError(ValueError):
    """`index` names the chosen page at fault (None: the choice as a whole)."""

    def __init__(self, index: int | None, message: str) -> None:
        self.index = index
        super().__init__(message)


def chosen_pages(kind: CopyKind, pages: Sequence[int], page_count: int) -> list[int]:
    """The source's pages the copy holds, 1-based and in the order given: every page for sao y
    and sao lục (which take no choice), the chosen ones for trích sao."""
    if kind is not CopyKind.TRICH_SAO:
        if pages:
            raise PageChoiceError(
                None, f"bản {kind.label.lower()} sao toàn bộ văn bản, không chọn trang (pages)"
            )
        return list(range(1, page_count + 1))
    if not pages:
        raise PageChoiceError(None, "bản trích sao cần chọn ít nhất một trang (pages)")
    seen: set[int] = set()
    for index, page in enumerate(pages):
        if not 1 <= page <= page_count:
            raise PageChoiceError(
                index, f"trang {page} không có trong văn bản gốc (văn bản có {page_count} trang)"
            )
        if page in seen:
            raise PageChoiceError(index, f"trang {page} được chọn hai lần")
        seen.add(page)
    return list(pages)


def copy_notation(number: int, kind: CopyKind, agency_abbreviation: str) -> tuple[str, str]:
    """Số and ký hiệu of the copy: ``("05", "SY-UBND")``; numbers below 10 get a zero."""
    return f"{number:02d}", f"{kind.abbreviation}-{agency_abbreviation}"


@dataclass(frozen=True)
class CopyForm:
    """What the copy's form block prints besides the number and date (written at sealing)."""

    kind: CopyKind
    agency_name: str
    """The copying agency (Tên cơ quan sao)."""
    recipients: tuple[str, ...] = ()
    """Nơi nhận, the last line being "Lưu: VT."."""


def conversion_mark_text(agency_name: str, converted_by: str, at: datetime) -> str:
    """The mark on the first page of a converted paper document: what happened, by whom, when
    (Vietnam's time, ISO 8601 as Phụ lục I writes the signing time)."""
    shown = at.astimezone(VIETNAM).replace(microsecond=0)
    return "\n".join(
        [
            CONVERSION_MARK,
            agency_name,
            f"Người chuyển đổi: {converted_by}",
            f"Thời điểm: {shown.isoformat()}",
        ]
    )


def attachment_mark_text(agency_name: str, notation: str, at: datetime) -> str:
    """The agency's signature on an appendix in a file of its own (Phụ lục I): top right of its
    first page, no image, the number of the document it belongs to and the signing time."""
    shown = at.astimezone(VIETNAM).replace(microsecond=0)
    return "\n".join([agency_name, f"Kèm theo văn bản số: {notation}", shown.isoformat()])
