"""Attachments in and out of base64 without ever holding one whole.

Encoding reads the source in blocks whose size is a multiple of 3 bytes, so the base64 of each
block is a prefix-free piece of the base64 of the whole file and the pieces can be written one
after another. Decoding takes text in pieces of any size, keeps at most 3 characters between
pieces, and writes the bytes to the caller's sink as they come.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from vanthu_exchange.domain.edxml.rejections import MalformedAttachment

ENCODE_BLOCK_BYTES = 3 * 16 * 1024
HASH_BLOCK_BYTES = 1024 * 1024

_BASE64_WHITESPACE = str.maketrans("", "", " \t\r\n")


@dataclass
class ContentMeter:
    """Size and SHA-256 of bytes seen so far."""

    size: int = 0
    _sha256: hashlib._Hash = field(default_factory=hashlib.sha256)

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self._sha256.update(data)

    @property
    def sha256_hex(self) -> str:
        return self._sha256.hexdigest()

    @property
    def sha256_digest(self) -> bytes:
        return self._sha256.digest()


def iter_base64(source: BinaryIO, meter: ContentMeter) -> Iterator[str]:
    """The base64 text of ``source`` from its current position, in pieces; feeds ``meter``."""
    carry = b""
    while block := source.read(ENCODE_BLOCK_BYTES):
        data = carry + block if carry else block
        whole = len(data) - len(data) % 3
        carry = data[whole:]
        if whole:
            meter.update(data[:whole])
            yield binascii.b2a_base64(data[:whole], newline=False).decode("ascii")
    if carry:
        meter.update(carry)
        yield binascii.b2a_base64(carry, newline=False).decode("ascii")


def measure_stream(source: BinaryIO) -> ContentMeter:
    """Size and SHA-256 of ``source`` from its current position to its end."""
    meter = ContentMeter()
    while block := source.read(HASH_BLOCK_BYTES):
        meter.update(block)
    return meter


class _Writer(Protocol):
    def write(self, data: bytes, /) -> object: ...


class Base64Decoder:
    """Decodes base64 text fed in pieces into ``sink``, measuring what it writes."""

    def __init__(self, sink: _Writer, what: str) -> None:
        self._sink = sink
        self._what = what
        self._pending = ""
        self._padded = False
        self.meter = ContentMeter()

    def feed(self, text: str) -> None:
        text = self._pending + text.translate(_BASE64_WHITESPACE)
        whole = len(text) - len(text) % 4
        self._pending = text[whole:]
        if whole:
            self._decode(text[:whole])

    def finish(self) -> ContentMeter:
        if self._pending:
            raise MalformedAttachment(
                f"{self._what} ends in the middle of a base64 group ({self._pending!r})"
            )
        return self.meter

    def _decode(self, text: str) -> None:
        if self._padded:
            raise MalformedAttachment(f"{self._what} has base64 data after its padding")
        try:
            data = binascii.a2b_base64(text, strict_mode=True)
        except binascii.Error as error:
            raise MalformedAttachment(f"{self._what} is not valid base64: {error}") from error
        self._padded = text.endswith("=")
        self.meter.update(data)
        self._sink.write(data)
