"""Checks of client-supplied JSON that the models cannot express, made before anything is written.

A lone surrogate (`"\\ud800"`) is valid JSON but no valid text: it cannot be stored or sent, and
used to fail with a 500 after a register number had been taken. Nesting beyond a few levels is no
document's metadata; very deep input only costs the parser.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32


def first_invalid_text(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first string (or key) holding a lone surrogate, if any."""
    if isinstance(value, str):
        return path if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _has_surrogate(key):
                return (*path, key)
            found = first_invalid_text(item, (*path, str(key)))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = first_invalid_text(item, (*path, str(index)))
            if found is not None:
                return found
    return None


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)
