"""The 29 administrative document types of ND 30/2020/NĐ-CP and their abbreviations.

Source: Art. 7 (the list, in this order) and Appendix III.I (the abbreviations used in the
notation). Công văn and Thư công have no abbreviation: a công văn's notation is the issuer's
abbreviation followed by the drafting unit's (``12/UBND-VX``). "CV" is not an official
abbreviation, and the older TT 01/2011 spellings (GN, TTh ...) were replaced by BGN and BTT.

Legal normative documents (Nghị định, Thông tư ...) are not administrative documents and are not
in this list; their notations still parse (see ``notation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vanthu_intake.domain.vietnamese_text import fold_for_matching, to_nfc


class DocumentType(StrEnum):
    """One administrative document type; the value is the English code used in APIs and events."""

    RESOLUTION = "resolution"
    DECISION = "decision"
    DIRECTIVE = "directive"
    RULES = "rules"
    REGULATION = "regulation"
    COMMUNIQUE = "communique"
    NOTICE = "notice"
    GUIDELINE = "guideline"
    PROGRAM = "program"
    PLAN = "plan"
    OPTION_PLAN = "option_plan"
    SCHEME = "scheme"
    PROJECT = "project"
    REPORT = "report"
    MINUTES = "minutes"
    SUBMISSION = "submission"
    CONTRACT = "contract"
    OFFICIAL_LETTER = "official_letter"
    OFFICIAL_TELEGRAM = "official_telegram"
    MEMORANDUM_OF_UNDERSTANDING = "memorandum_of_understanding"
    AGREEMENT = "agreement"
    AUTHORIZATION = "authorization"
    INVITATION = "invitation"
    LETTER_OF_INTRODUCTION = "letter_of_introduction"
    LEAVE_PERMIT = "leave_permit"
    DISPATCH_SLIP = "dispatch_slip"
    TRANSFER_SLIP = "transfer_slip"
    NOTIFICATION_SLIP = "notification_slip"
    FORMAL_LETTER = "formal_letter"

    @property
    def vietnamese_name(self) -> str:
        """The name as ND 30 writes it, e.g. "Quyết định"."""
        return _DESCRIPTIONS[self].vietnamese_name

    @property
    def abbreviation(self) -> str | None:
        """The abbreviation in the notation ("QĐ", "QyĐ", "TTr"); None for Công văn and Thư công."""
        return _DESCRIPTIONS[self].abbreviation


@dataclass(frozen=True)
class _Description:
    vietnamese_name: str
    abbreviation: str | None


_DESCRIPTIONS: dict[DocumentType, _Description] = {
    DocumentType.RESOLUTION: _Description("Nghị quyết", "NQ"),
    DocumentType.DECISION: _Description("Quyết định", "QĐ"),
    DocumentType.DIRECTIVE: _Description("Chỉ thị", "CT"),
    DocumentType.RULES: _Description("Quy chế", "QC"),
    DocumentType.REGULATION: _Description("Quy định", "QyĐ"),
    DocumentType.COMMUNIQUE: _Description("Thông cáo", "TC"),
    DocumentType.NOTICE: _Description("Thông báo", "TB"),
    DocumentType.GUIDELINE: _Description("Hướng dẫn", "HD"),
    DocumentType.PROGRAM: _Description("Chương trình", "CTr"),
    DocumentType.PLAN: _Description("Kế hoạch", "KH"),
    DocumentType.OPTION_PLAN: _Description("Phương án", "PA"),
    DocumentType.SCHEME: _Description("Đề án", "ĐA"),
    DocumentType.PROJECT: _Description("Dự án", "DA"),
    DocumentType.REPORT: _Description("Báo cáo", "BC"),
    DocumentType.MINUTES: _Description("Biên bản", "BB"),
    DocumentType.SUBMISSION: _Description("Tờ trình", "TTr"),
    DocumentType.CONTRACT: _Description("Hợp đồng", "HĐ"),
    DocumentType.OFFICIAL_LETTER: _Description("Công văn", None),
    DocumentType.OFFICIAL_TELEGRAM: _Description("Công điện", "CĐ"),
    DocumentType.MEMORANDUM_OF_UNDERSTANDING: _Description("Bản ghi nhớ", "BGN"),
    DocumentType.AGREEMENT: _Description("Bản thỏa thuận", "BTT"),
    DocumentType.AUTHORIZATION: _Description("Giấy ủy quyền", "GUQ"),
    DocumentType.INVITATION: _Description("Giấy mời", "GM"),
    DocumentType.LETTER_OF_INTRODUCTION: _Description("Giấy giới thiệu", "GGT"),
    DocumentType.LEAVE_PERMIT: _Description("Giấy nghỉ phép", "GNP"),
    DocumentType.DISPATCH_SLIP: _Description("Phiếu gửi", "PG"),
    DocumentType.TRANSFER_SLIP: _Description("Phiếu chuyển", "PC"),
    DocumentType.NOTIFICATION_SLIP: _Description("Phiếu báo", "PB"),
    DocumentType.FORMAL_LETTER: _Description("Thư công", None),
}

# Abbreviations are matched without regard to case ("QYĐ" is a typo of "QyĐ", not another type),
# but never without their accents: "DA" (Dự án) and "ĐA" (Đề án) are different types.
_BY_ABBREVIATION = {
    description.abbreviation.upper(): document_type
    for document_type, description in _DESCRIPTIONS.items()
    if description.abbreviation is not None
}
_BY_CODE = {document_type.value: document_type for document_type in DocumentType}
_BY_FOLDED_NAME = {
    fold_for_matching(description.vietnamese_name): document_type
    for document_type, description in _DESCRIPTIONS.items()
}


class UnknownDocumentType(ValueError):
    """Text that names none of the 29 types."""

    def __init__(self, text: str) -> None:
        self.text = text
        hint = ""
        if text.strip().upper() == "CV":
            hint = " (Công văn has no abbreviation in ND 30: write 'official_letter' or 'Công văn')"
        super().__init__(
            f"unknown document type {text!r}{hint}: use an English code such as 'decision', "
            "an ND 30 abbreviation such as 'QĐ', or the Vietnamese name such as 'Quyết định'"
        )


def document_type_for_abbreviation(abbreviation: str) -> DocumentType | None:
    """The type whose ND 30 abbreviation this is (case-insensitive, Đ kept apart from D)."""
    return _BY_ABBREVIATION.get(to_nfc(abbreviation).strip().upper())


def parse_document_type(text: str) -> DocumentType:
    """Read a type written as its English code, its abbreviation or its Vietnamese name.

    Vietnamese names are matched without accents or case, so "quyet dinh", "Giấy uỷ quyền" and
    "Nghị quyết (cá biệt)" are all understood.
    """
    cleaned = to_nfc(text).strip()
    by_code = _BY_CODE.get(cleaned.lower())
    if by_code is not None:
        return by_code
    by_abbreviation = document_type_for_abbreviation(cleaned)
    if by_abbreviation is not None:
        return by_abbreviation
    # Art. 7 writes "Nghị quyết (cá biệt)" and "Quyết định (cá biệt)"; the qualifier is optional.
    name = fold_for_matching(cleaned).removesuffix("(ca biet)").strip()
    by_name = _BY_FOLDED_NAME.get(name)
    if by_name is None:
        raise UnknownDocumentType(text)
    return by_name
