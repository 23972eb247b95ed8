"""Domain records (frozen dataclasses) to Mongo documents and back, driven by their type hints.

Dates travel as ISO strings (BSON has no date without a time), enums as their values, tuples as
arrays; aware datetimes are stored as BSON dates and come back aware (the client is tz_aware).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_document(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_document(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        items = [to_document(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    return value


def from_document(cls: type[T], data: Any) -> T:
    return typing.cast(T, _read(cls, data))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _read(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _read(options[0], data)
    if origin is tuple:
        args = typing.get_args(hint)
        return tuple(_read(args[0], item) for item in data)
    if origin is frozenset:
        return frozenset(_read(typing.get_args(hint)[0], item) for item in data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        fields = {f.name for f in dataclasses.fields(hint)}
        return hint(**{k: _read(hints[k], v) for k, v in data.items() if k in fields})
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(data)
    if hint is datetime:
        return data
    if hint is date:
        return date.fromisoformat(data)
    return data
