"""Numbers taken before the signature: the signed document must show the number it was given."""

from __future__ import annotations

import re
import unicodedata

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
