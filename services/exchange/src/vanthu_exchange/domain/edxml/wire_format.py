"""How values are spelled inside edXML: dates, timestamps and the document identifier.

Dates are written ``yyyy/MM/dd`` and timestamps ``yyyy/MM/dd HH:mm:ss`` in Vietnam's local time,
which is what the hub's samples write (research/domain_vn.md §1.8). The Bkav library and a public
C# client write ``dd/MM/yyyy`` (and ``dd/MM/yyyy HH:mm:ss``): those are read too, the place of the
four-digit year telling which (ADR 0050).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")
_DAY_FIRST_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
DATE_FORMATS = "a date in yyyy/MM/dd (or dd/MM/yyyy)"
TIMESTAMP_FORMATS = "a time in yyyy/MM/dd HH:mm:ss (or dd/MM/yyyy HH:mm:ss)"


class NaiveTimestamp(ValueError):
    def __init__(self) -> None:
        super().__init__("edXML timestamps need an aware datetime (UTC or +07:00), not a naive one")


def format_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def parse_date(text: str) -> date:
    """``2019/01/16`` or ``16/01/2019`` -> ``date(2019, 1, 16)``; ``ValueError`` otherwise."""
    if match := _DATE.fullmatch(text):
        year, month, day = (int(group) for group in match.groups())
    elif match := _DAY_FIRST_DATE.fullmatch(text):
        day, month, year = (int(group) for group in match.groups())
    else:
        raise ValueError(f"{text!r} is not {DATE_FORMATS}")
    return date(year, month, day)


def format_timestamp(value: datetime) -> str:
    """The instant as Vietnam wall-clock time, ``yyyy/MM/dd HH:mm:ss``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveTimestamp
    local = value.astimezone(VIETNAM)
    return f"{format_date(local.date())} {local:%H:%M:%S}"


def parse_timestamp(text: str) -> datetime:
    """``2018/09/28 14:05:00`` or ``28/09/2018 14:05:00`` read as Vietnam time; raises
    ``ValueError`` for anything else."""
    day_text, space, time_text = text.partition(" ")
    time = _TIME.fullmatch(time_text)
    if not space or time is None:
        raise ValueError(f"{text!r} is not {TIMESTAMP_FORMATS}")
    try:
        day = parse_date(day_text)
    except ValueError:
        raise ValueError(f"{text!r} is not {TIMESTAMP_FORMATS}") from None
    hour, minute, second = (int(group) for group in time.groups())
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=VIETNAM)


@dataclass(frozen=True)
class DocumentCodeParts:
    """The three parts of an official-style ``DocumentId``."""

    agency_code: str
    promulgation_date: date
    number_and_notation: str


def compose_document_code(
    agency_code: str, promulgation_date: date, code_number: str, code_notation: str
) -> str:
    """``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``: the form of the hub's official sample."""
    return f"{agency_code},{format_date(promulgation_date)},{code_number}/{code_notation}"


def split_document_code(text: str) -> DocumentCodeParts | None:
    """The parts of an official-style ``DocumentId``, or ``None`` for other forms (UUIDs)."""
    agency_code, comma, rest = text.partition(",")
    date_text, comma2, number_and_notation = rest.partition(",")
    if not (comma and comma2 and agency_code and number_and_notation):
        return None
    try:
        promulgation_date = parse_date(date_text)
    except ValueError:
        return None
    return DocumentCodeParts(agency_code, promulgation_date, number_and_notation)
