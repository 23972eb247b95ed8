"""Rules every archive query string obeys (issue 16 item 7): a parameter the route does not take
is refused rather than ignored (`?limit=` on a route that pages with `page_size` would silently
give another page than asked), and dates stay inside the calendar the archive keeps."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import HTTPException, Request, status

FIRST_YEAR = 1900
LAST_YEAR = 2999
"""Dates a search or an audit may name: documents of ND 30 registers (the contracts' years start
at 1900); a date outside them is a typing error, and the far ends of the calendar overflow when a
time zone is applied."""


def refused(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["query", field], "msg": message}],
    )


def known_query_parameters(request: Request) -> None:
    """A router dependency: 422 naming each query parameter the route does not declare."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    unknown = sorted(set(request.query_params) - _query_names(dependant))
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "loc": ["query", name],
                    "msg": "not a parameter of this request (tham số không được hỗ trợ)",
                }
                for name in unknown
            ],
        )


def _query_names(dependant: Any) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def within_calendar(value: date | datetime | None, field: str) -> None:
    """422 naming ``field`` when a date or instant lies outside FIRST_YEAR..LAST_YEAR."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise refused(
            field,
            f"must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31 "
            f"(ngày phải từ năm {FIRST_YEAR} đến năm {LAST_YEAR})",
        )


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def rfc3339_instant(value: str, field: str) -> datetime:
    """An RFC 3339 instant (date, time and offset) no later than now; else 422 naming ``field``."""
    if not _RFC3339.fullmatch(value.strip()):
        raise refused(
            field,
            "must be an RFC 3339 time with its offset, e.g. 2026-12-01T09:30:00+07:00 "
            "(thời điểm phải có ngày, giờ và múi giờ)",
        )
    text = value.strip().replace("z", "Z").replace("t", "T")
    # Python 3.11 reads at most 6 digits of a second's fraction.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise refused(
            field, "is not a date and time of the calendar (thời điểm không hợp lệ)"
        ) from None
    within_calendar(moment, field)
    if moment > datetime.now(UTC):
        raise refused(field, "is in the future (thời điểm chưa tới)")
    return moment.astimezone(UTC)
