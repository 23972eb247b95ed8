"""Số, ký hiệu: the number and notation of a document (ND 30 Art. 15, Phụ lục I.II.3).

Shapes understood when reading (``parse_notation``):

* a document with a type name: ``15/QĐ-BNV`` — number, type abbreviation, issuer abbreviation;
* a công văn: ``12/UBND-VX`` — number, issuer abbreviation, drafting unit (or field) abbreviation;
* a legal normative document from elsewhere: ``30/2020/NĐ-CP`` — number, year, type, issuer.

``/`` separates the number from the notation and ``-`` separates abbreviations; ND 30 allows no
spaces. When reading what other agencies wrote, stray spaces around separators, typographic
dashes and decomposed accents are tolerated and normalised; a number written without its leading
zero (``5/QĐ-BNV``) is read as it stands. Notations we issue are always written the ND 30 way
(``build_outgoing_notation``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vanthu_intake.domain.document_types import DocumentType, document_type_for_abbreviation
from vanthu_intake.domain.numbering import format_outgoing_number
from vanthu_intake.domain.vietnamese_text import to_nfc

# ND 30 Phụ lục VI: CodeNumber String(11), CodeNotation String(30).
MAX_CODE_NUMBER_LENGTH = 11
MAX_CODE_NOTATION_LENGTH = 30

_ABBREVIATION = re.compile(r"[A-Za-zĐđ][0-9A-Za-zĐđ]*")
_GROUP_CHARACTERS = re.compile(r"[0-9A-Za-zĐđ]+")
_YEAR = re.compile(r"[12]\d{3}")
_SPACES_AROUND_SEPARATORS = re.compile(r"\s*([/-])\s*")
# Word processors turn "-" into en or em dashes; in a notation they can only mean the hyphen.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_PARTY_STYLE = re.compile(r"\d+-\S+")


class NotationError(ValueError):
    """A number/notation that cannot be read; the message says what is wrong and how to write it."""


@dataclass(frozen=True)
class Notation:
    """A parsed số/ký hiệu. ``str()`` gives the text back, e.g. ``15/QĐ-BNV``."""

    code_number: str
    """The number as written, leading zero included (``05``)."""
    code_notation: str
    """Everything after the first ``/`` (``QĐ-BNV``, ``2020/NĐ-CP``)."""
    number: int
    year: int | None
    """Only legal normative documents carry the year in their notation."""
    type_abbreviation: str | None
    issuer_abbreviation: str
    unit_abbreviation: str | None
    """The drafting unit of a công văn, or whatever follows the issuer."""
    document_type: DocumentType | None
    """The administrative type the notation names; None for types outside ND 30's list."""

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


@dataclass(frozen=True)
class _NotationParts:
    code_notation: str
    year: int | None
    type_abbreviation: str | None
    issuer_abbreviation: str
    unit_abbreviation: str | None
    document_type: DocumentType | None


def normalize_notation_text(text: str) -> str:
    """NFC, real hyphens, no spaces around ``/`` or ``-``, trimmed; nothing else is changed."""
    return _SPACES_AROUND_SEPARATORS.sub(r"\1", to_nfc(text).translate(_DASHES)).strip()


def parse_notation(text: str, document_type: DocumentType | None = None) -> Notation:
    """Read a full số/ký hiệu such as ``15/QĐ-BNV``.

    Without ``document_type`` the type is inferred from the first abbreviation, which can be
    ambiguous: ``123/CT-TTHT`` is a Chỉ thị by its shape but a công văn of Cục Thuế (CT) in
    fact. Pass the type stated on the document to resolve it; the notation must then agree.
    """
    cleaned = normalize_notation_text(text)
    if not cleaned:
        raise NotationError("the number and notation are empty; expected e.g. '15/QĐ-BNV'")
    number_text, slash, code_notation = cleaned.partition("/")
    if not slash:
        raise NotationError(
            f"{text!r} has no '/' between the number and the notation; expected e.g. '15/QĐ-BNV'"
        )
    number = _parse_number(number_text)
    parts = _parse_code_notation(code_notation, document_type)
    return Notation(
        code_number=number_text,
        code_notation=parts.code_notation,
        number=number,
        year=parts.year,
        type_abbreviation=parts.type_abbreviation,
        issuer_abbreviation=parts.issuer_abbreviation,
        unit_abbreviation=parts.unit_abbreviation,
        document_type=parts.document_type,
    )


def validate_code_number(text: str) -> str:
    """The number field on its own (``15``, ``05``), trimmed; raises ``NotationError``."""
    cleaned = text.strip()
    if not cleaned:
        raise NotationError("must not be empty")
    _parse_number(cleaned)
    return cleaned


def validate_code_notation(text: str) -> str:
    """The notation field on its own (``QĐ-BNV``), normalised; raises ``NotationError``."""
    return _parse_code_notation(normalize_notation_text(text), None).code_notation


def validate_abbreviation(text: str, what: str = "abbreviation") -> str:
    """An agency or unit abbreviation (``BNV``, ``TTĐT``): one group, letters and digits."""
    cleaned = to_nfc(text).strip()
    if not _ABBREVIATION.fullmatch(cleaned):
        raise NotationError(
            f"the {what} {text!r} must be letters (Đ included) and digits, starting with a "
            "letter, with no spaces or dashes"
        )
    return cleaned


def build_outgoing_notation(
    number: int,
    document_type: DocumentType,
    agency_abbreviation: str,
    unit_abbreviation: str | None = None,
) -> Notation:
    """The số/ký hiệu of a document this agency issues, written the ND 30 way.

    Typed documents: ``05/QĐ-BNV`` (type + agency; ND 30 puts no unit there, so giving one is an
    error). Công văn and Thư công: ``12/UBND-VX`` (agency + drafting unit, which is required).
    """
    if number < 1:
        raise NotationError(f"document numbers start at 01, got {number}")
    agency = validate_abbreviation(agency_abbreviation, "agency abbreviation")
    type_abbreviation = document_type.abbreviation
    unit: str | None = None
    if type_abbreviation is None:
        unit = _required_unit(document_type, unit_abbreviation)
        groups = [agency, unit]
    else:
        _refuse_unit(document_type, type_abbreviation, agency, unit_abbreviation)
        groups = [type_abbreviation, agency]
    code_number = format_outgoing_number(number)
    code_notation = "-".join(groups)
    _check_lengths(code_number, code_notation)
    return Notation(
        code_number=code_number,
        code_notation=code_notation,
        number=number,
        year=None,
        type_abbreviation=type_abbreviation,
        issuer_abbreviation=agency,
        unit_abbreviation=unit,
        document_type=document_type,
    )


def edxml_document_code(agency_code: str, issued_date: date, notation: Notation) -> str:
    """Mã định danh văn bản as edXML ``DocumentId`` writes it.

    Example: ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``.
    """
    return f"{agency_code},{issued_date:%Y/%m/%d},{notation}"


def _required_unit(document_type: DocumentType, unit_abbreviation: str | None) -> str:
    if unit_abbreviation is None:
        raise NotationError(
            f"a {document_type.vietnamese_name} is numbered as <agency>-<drafting unit> "
            "(e.g. 12/UBND-VX): give the drafting unit's abbreviation"
        )
    return validate_abbreviation(unit_abbreviation, "unit abbreviation")


def _refuse_unit(
    document_type: DocumentType, type_abbreviation: str, agency: str, unit: str | None
) -> None:
    if unit is not None:
        raise NotationError(
            f"a {document_type.vietnamese_name} is numbered as {type_abbreviation}-<agency> "
            f"(e.g. 05/{type_abbreviation}-{agency}); ND 30 puts no unit abbreviation in it"
        )


def _parse_number(number_text: str) -> int:
    if not number_text.isascii() or not number_text.isdigit():
        if _PARTY_STYLE.fullmatch(number_text):
            raise NotationError(
                f"{number_text!r} looks like a Party document number (e.g. 15-NQ/TW), "
                "which is not supported; state documents are written like '15/QĐ-BNV'"
            )
        raise NotationError(f"the number {number_text!r} must be written in digits, e.g. '15'")
    if len(number_text) > MAX_CODE_NUMBER_LENGTH:
        raise NotationError(
            f"the number {number_text!r} is longer than {MAX_CODE_NUMBER_LENGTH} digits"
        )
    number = int(number_text)
    if number == 0:
        raise NotationError("document numbers start at 01; 0 is not a document number")
    return number


def _parse_code_notation(code_notation: str, hint: DocumentType | None) -> _NotationParts:
    if not code_notation:
        raise NotationError("the notation is empty; expected e.g. 'QĐ-BNV' after the number")
    if any(char.isspace() for char in code_notation):
        raise NotationError(f"{code_notation!r} contains a space; ND 30 notations have none")
    if len(code_notation) > MAX_CODE_NOTATION_LENGTH:
        raise NotationError(
            f"{code_notation!r} is longer than the {MAX_CODE_NOTATION_LENGTH} characters "
            "ND 30 allows for a notation"
        )
    year, groups_text = _split_year(code_notation)
    groups = _split_groups(groups_text, code_notation)
    type_abbreviation, issuer, unit, document_type = _interpret(groups, year, hint, code_notation)
    return _NotationParts(code_notation, year, type_abbreviation, issuer, unit, document_type)


def _split_year(code_notation: str) -> tuple[int | None, str]:
    segments = code_notation.split("/")
    if len(segments) == 1:
        return None, code_notation
    if len(segments) == 2 and _YEAR.fullmatch(segments[0]):
        return int(segments[0]), segments[1]
    if segments[0].isdigit():
        raise NotationError(
            f"{code_notation!r} starts with a number: the notation is what follows the "
            "document number (write 'QĐ-BNV', not '15/QĐ-BNV')"
        )
    raise NotationError(
        f"{code_notation!r} has a '/' in an unexpected place; expected 'QĐ-BNV' or, for legal "
        "normative documents, '2020/NĐ-CP'"
    )


def _split_groups(groups_text: str, code_notation: str) -> list[str]:
    groups = groups_text.split("-")
    if any(not group for group in groups):
        raise NotationError(f"{code_notation!r} has an empty part between or around its '-'")
    for group in groups:
        if not _GROUP_CHARACTERS.fullmatch(group):
            raise NotationError(
                f"{group!r} in {code_notation!r} may only hold letters (Đ included) and digits"
            )
    if not _ABBREVIATION.fullmatch(groups[0]):
        raise NotationError(f"{code_notation!r} must start with a letter")
    return groups


def _interpret(
    groups: list[str], year: int | None, hint: DocumentType | None, code_notation: str
) -> tuple[str | None, str, str | None, DocumentType | None]:
    if year is not None:
        if len(groups) < 2:
            raise NotationError(
                f"{code_notation!r}: legal normative documents are written "
                "<year>/<type>-<issuer>, e.g. '2020/NĐ-CP'"
            )
        return (
            groups[0],
            groups[1],
            _rest(groups, 2),
            hint or document_type_for_abbreviation(groups[0]),
        )
    if hint is not None:
        return _interpret_as(hint, groups, code_notation)
    inferred = document_type_for_abbreviation(groups[0])
    if inferred is None:
        return None, groups[0], _rest(groups, 1), DocumentType.OFFICIAL_LETTER
    return _interpret_as(inferred, groups, code_notation)


def _interpret_as(
    document_type: DocumentType, groups: list[str], code_notation: str
) -> tuple[str | None, str, str | None, DocumentType]:
    expected = document_type.abbreviation
    if expected is None:
        return None, groups[0], _rest(groups, 1), document_type
    if groups[0].upper() != expected.upper():
        raise NotationError(
            f"{code_notation!r} does not start with {expected!r}, the abbreviation of "
            f"{document_type.vietnamese_name} (e.g. '{expected}-BNV')"
        )
    if len(groups) < 2:
        raise NotationError(
            f"{code_notation!r} names the type ({groups[0]}) but not the issuer; "
            f"expected e.g. '{groups[0]}-BNV'"
        )
    return groups[0], groups[1], _rest(groups, 2), document_type


def _rest(groups: list[str], start: int) -> str | None:
    return "-".join(groups[start:]) or None


def _check_lengths(code_number: str, code_notation: str) -> None:
    if len(code_number) > MAX_CODE_NUMBER_LENGTH:
        raise NotationError(f"the number {code_number} is longer than 11 digits")
    if len(code_notation) > MAX_CODE_NOTATION_LENGTH:
        raise NotationError(
            f"{code_notation!r} is longer than the {MAX_CODE_NOTATION_LENGTH} characters "
            "ND 30 allows for a notation"
        )
