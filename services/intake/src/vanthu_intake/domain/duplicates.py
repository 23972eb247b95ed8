"""Keys that reveal a document registered twice (ND 30 Phụ lục VI: alert on a duplicate).

Two keys, either of which is enough:

* the metadata key — same issuer, same number and notation, same issue date. The issuer is its
  agency code when known, otherwise its name; the notation is compared without regard to case,
  spacing, dash style or Unicode form, but "Đ" stays distinct from "D" (ĐA is not DA).
* the content key — the SHA-256 of the file's bytes, for the same scan or PDF uploaded twice.

Keys are strings so they can sit under a database index; the leading ``v1`` lets the rules change
later without old and new keys ever comparing equal by accident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date

from vanthu_intake.domain.metadata import IncomingDocumentMetadata
from vanthu_intake.domain.notation import normalize_notation_text
from vanthu_intake.domain.vietnamese_text import collapse_whitespace, to_nfc

KEY_VERSION = "v1"


def normalize_issuer_name(name: str) -> str:
    """Case and spacing ignored, accents kept: "UBND  tỉnh Nghệ An" -> "ubnd tỉnh nghệ an"."""
    return collapse_whitespace(to_nfc(name)).casefold()


def normalize_code_number(code_number: str) -> str:
    """ "05" and "5" are the same number."""
    digits = code_number.strip()
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"the number {code_number!r} must be written in digits")
    return str(int(digits))


def normalize_code_notation(code_notation: str) -> str:
    """ "qđ - bnv" -> "QĐ-BNV": no spaces, real hyphens, NFC, upper case; Đ is not folded to D."""
    without_spaces = "".join(normalize_notation_text(code_notation).split())
    return without_spaces.upper()


def metadata_key(
    *,
    issuer_agency_code: str | None,
    issuer_name: str,
    code_number: str,
    code_notation: str,
    issued_date: date,
) -> str:
    """The metadata key of one document; equal keys mean "probably the same document"."""
    if issuer_agency_code:
        issuer = ["code", issuer_agency_code.strip().upper()]
    else:
        issuer = ["name", normalize_issuer_name(issuer_name)]
    parts = [
        KEY_VERSION,
        *issuer,
        normalize_code_number(code_number),
        normalize_code_notation(code_notation),
        issued_date.isoformat(),
    ]
    # JSON keeps the parts apart whatever characters an issuer's name contains.
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def metadata_key_of(metadata: IncomingDocumentMetadata) -> str:
    return metadata_key(
        issuer_agency_code=metadata.issuer.agency_code,
        issuer_name=metadata.issuer.name,
        code_number=metadata.code_number,
        code_notation=metadata.code_notation,
        issued_date=metadata.issued_date,
    )


def content_key(data: bytes) -> str:
    """The lowercase hex SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def content_key_of_chunks(chunks: Iterable[bytes]) -> str:
    """The same key for a file read piece by piece, so large scans need not sit in memory."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()
