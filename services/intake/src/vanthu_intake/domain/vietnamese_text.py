"""Normalising Vietnamese text typed by people or converted from older encodings.

The same word can arrive in several byte forms: precomposed or decomposed accents (NFC vs NFD),
the tone mark on either vowel ("hỏa" / "hoả", "ủy" / "uỷ"), and "Đ" replaced by its look-alike
"Ð" (U+00D0) when Windows-1258 text was once decoded as Windows-1252.
"""

from __future__ import annotations

import re
import unicodedata

# Windows-1258 puts Đ/đ at 0xD0/0xF0, where Windows-1252 has Ð/ð: text that went through the
# wrong code page shows the look-alikes, which would otherwise never match a real "Đ".
_LOOKALIKE_D = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_WHITESPACE = re.compile(r"\s+")


def to_nfc(text: str) -> str:
    """The precomposed form, with Windows-1252 look-alikes of Đ/đ repaired."""
    return unicodedata.normalize("NFC", text.translate(_LOOKALIKE_D))


def collapse_whitespace(text: str) -> str:
    """One space between words, none at the ends (line breaks from copy-paste included)."""
    return _WHITESPACE.sub(" ", text).strip()


def fold_for_matching(text: str) -> str:
    """A key that ignores case, accents and tone-mark placement: "Giấy uỷ quyền" -> "giay uy quyen".

    Only for looking names up; never shown or stored as the text of a document.
    """
    decomposed = unicodedata.normalize("NFD", to_nfc(text))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    # "đ" is a letter of its own, not "d" plus a mark, so NFD leaves it alone.
    bare = bare.replace("đ", "d").replace("Đ", "D")
    return collapse_whitespace(bare).casefold()
