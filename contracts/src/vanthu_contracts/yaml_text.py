"""A tiny, deterministic YAML writer for the generated AsyncAPI documents.

Only what JSON can hold (mappings, sequences, strings, numbers, booleans, null). Strings are
written as JSON strings, which are valid YAML double-quoted scalars, so nothing is ever
re-interpreted (``no``, ``01``, ``1.0`` stay strings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$-]*$")
# Words YAML 1.1 readers turn into booleans or null when unquoted.
_RESERVED_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})
_INDENT = "  "


def to_yaml(document: Mapping[str, Any]) -> str:
    return "\n".join(_node_lines(document, 0)) + "\n"


def _node_lines(value: Any, depth: int) -> list[str]:
    if isinstance(value, Mapping) and value:
        return _mapping_lines(value, depth)
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        return _sequence_lines(value, depth)
    return [_INDENT * depth + _scalar(value)]


def _mapping_lines(mapping: Mapping[str, Any], depth: int) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        prefix = f"{_INDENT * depth}{_key(key)}:"
        if _is_inline(value):
            lines.append(f"{prefix} {_scalar(value)}")
        else:
            lines.append(prefix)
            lines.extend(_node_lines(value, depth + 1))
    return lines


def _sequence_lines(items: Sequence[Any], depth: int) -> list[str]:
    lines: list[str] = []
    pad = _INDENT * depth
    for item in items:
        if _is_inline(item):
            lines.append(f"{pad}- {_scalar(item)}")
            continue
        nested = _node_lines(item, depth + 1)
        # The first line of a nested block moves up next to its dash.
        lines.append(f"{pad}- {nested[0].removeprefix(pad + _INDENT)}")
        lines.extend(nested[1:])
    return lines


def _is_inline(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return not isinstance(value, Mapping | Sequence) or len(value) == 0


def _key(key: str) -> str:
    if _PLAIN_KEY.match(key) and key.lower() not in _RESERVED_WORDS:
        return key
    return json.dumps(key, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[]"
    return json.dumps(value, ensure_ascii=False)
