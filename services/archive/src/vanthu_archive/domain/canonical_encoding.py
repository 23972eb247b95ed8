"""Byte encodings that hash the same everywhere, forever.

Whatever is hashed or signed by the archive is first turned into bytes by these few rules, so that
an auditor with nothing but this description can recompute every digest:

- ``u32(n)``: 4 bytes, unsigned, big-endian; ``i64(n)``: 8 bytes, two's complement, big-endian.
- ``length_prefixed(b)``: ``u32(len(b)) || b``: no value can run into the next one, so two
  different field sequences never give the same bytes.
- ``text(s)``: ``length_prefixed(UTF-8 of s)``; no Unicode normalisation is applied, the exact
  code points are what is proven.
- ``optional_bytes(None)``: the single byte ``0x00``; ``optional_bytes(b)``: ``0x01 ||
  length_prefixed(b)``: an absent Kafka key or value differs from an empty one.
- ``instant(t)``: ``i64`` of whole milliseconds since 1970-01-01T00:00:00Z, rounded down: the
  precision Kafka and BSON keep, so a record reloaded from MongoDB hashes like the one consumed.

And canonical JSON: keys sorted, no insignificant whitespace, UTF-8, strings and integers only; for
those value types this is RFC 8785 (JCS).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

_U32_MAX = 2**32 - 1
_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MILLISECOND = timedelta(milliseconds=1)


def u32(value: int) -> bytes:
    if not 0 <= value <= _U32_MAX:
        raise ValueError(f"{value} does not fit an unsigned 32-bit field")
    return value.to_bytes(4, "big")


def i64(value: int) -> bytes:
    if not _I64_MIN <= value <= _I64_MAX:
        raise ValueError(f"{value} does not fit a signed 64-bit field")
    return value.to_bytes(8, "big", signed=True)


def length_prefixed(value: bytes) -> bytes:
    return u32(len(value)) + value


def text(value: str) -> bytes:
    return length_prefixed(value.encode("utf-8"))


def optional_bytes(value: bytes | None) -> bytes:
    if value is None:
        return b"\x00"
    return b"\x01" + length_prefixed(value)


def epoch_milliseconds(moment: datetime) -> int:
    """Whole milliseconds since the epoch; integer arithmetic, so no float rounding creeps in."""
    require_aware(moment, "a hashed instant")
    return (moment - _EPOCH) // _ONE_MILLISECOND


def instant(moment: datetime) -> bytes:
    return i64(epoch_milliseconds(moment))


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone; naive datetimes are ambiguous")


def canonical_json(value: Any) -> bytes:
    """JCS-compatible bytes for JSON made of objects, arrays, strings, integers and booleans."""
    _refuse_floats(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _refuse_floats(value: Any) -> None:
    # Float formatting differs between languages; signed data must not depend on it.
    if isinstance(value, float):
        raise ValueError("canonical JSON here carries no floating-point numbers")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
