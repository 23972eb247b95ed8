"""Numbers taken before the signature: the signed document must show the number it was given."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_AROUND_SEPARATORS = re.compile(r"\s*([/-])\s*")


def _compact(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return _AROUND_SEPARATORS.sub(r"\1", " ".join(text.split()))


def shows_notation(text: str, notation: str) -> bool:
    """Does the document's text carry `notation` (``05/QĐ-UBND``) as written on it? Spaces around
    ``/`` and ``-`` and line breaks are forgiven; a longer number (``105/QĐ-UBND``) is not it."""
    wanted = _compact(notation)
    found = _compact(text)
    return re.search(rf"(?<![0-9]){re.escape(wanted)}(?![0-9A-Za-zĐđ])", found) is not None


def document_date_text(day: date) -> str:
    """ND 30 Phụ lục I: a day below 10 and the months 1 and 2 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_and_date_text(place: str | None, day: date) -> str:
    """The place and date line as the document prints it: ``Vinh, ngày 01 tháng 12 năm 2026``."""
    return f"{place}, {document_date_text(day)}" if place else document_date_text(day)
