"""How values are spelled inside edXML: dates, timestamps and the document identifier.

Dates are ``yyyy/MM/dd`` and timestamps ``yyyy/MM/dd HH:mm:ss`` in Vietnam's local time, which is
what the hub's samples and every known implementation write (research/domain_vn.md §1.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_TIMESTAMP = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")


class NaiveTimestamp(ValueError):
    def __init__(self) -> None:
        super().__init__("edXML timestamps need an aware datetime (UTC or +07:00), not a naive one")


def format_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def parse_date(text: str) -> date:
    """``2019/01/16`` -> ``date(2019, 1, 16)``; raises ``ValueError`` for anything else."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date in yyyy/MM/dd")
    year, month, day = (int(group) for group in match.groups())
    return date(year, month, day)


def format_timestamp(value: datetime) -> str:
    """The instant as Vietnam wall-clock time, ``yyyy/MM/dd HH:mm:ss``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveTimestamp
    local = value.astimezone(VIETNAM)
    return f"{format_date(local.date())} {local:%H:%M:%S}"


def parse_timestamp(text: str) -> datetime:
    """``2018/09/28 14:05:00`` read as Vietnam time; raises ``ValueError`` for anything else."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a timestamp in yyyy/MM/dd HH:mm:ss")
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


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
