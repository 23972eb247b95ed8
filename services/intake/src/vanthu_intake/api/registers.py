"""`/v1/registers/{register}.pdf`: the incoming or outgoing register of a period, printable."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vanthu_intake import handlers
from vanthu_intake.adapters.fpdf_register_printer import print_register
from vanthu_intake.api.documents import (
    Reader,
    check_days,
    registry_of,
    settings_of,
    unprocessable,
)
from vanthu_intake.config import IntakeSettings
from vanthu_intake.domain.numbering import Register
from vanthu_intake.domain.vietnam_time import VIETNAM

router = APIRouter(prefix="/v1/registers", tags=["registers"])

_TITLES = {
    Register.INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    Register.OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
    Register.OUTGOING_CONFIDENTIAL: "SỔ ĐĂNG KÝ VĂN BẢN ĐI (MẬT)",
    Register.COPIES: "SỔ ĐĂNG KÝ BẢN SAO VĂN BẢN",
}


def agency_name(settings: IntakeSettings, agency_code: str) -> str:
    """The agency's name for the head of its register; its code said in words when unknown."""
    return settings.agency_names.get(agency_code) or f"Cơ quan mã định danh {agency_code}"


@router.get(
    "/{register}.pdf",
    response_class=Response,
    responses={
        200: {
            "description": "The register of the period as a printable PDF (an attachment).",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def print_register_pdf(
    register: Register,
    request: Request,
    principal: Reader,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    check_days({"from": start, "to": end})
    if end < start:
        raise unprocessable([(["to"], "is before 'from'")])
    if (end - start).days > 366:
        raise unprocessable([(["to"], "a printed register covers at most one year")])
    rows = await handlers.register_rows(
        registry_of(request),
        principal,
        register,
        datetime(start.year, start.month, start.day, tzinfo=VIETNAM),
        datetime(end.year, end.month, end.day, tzinfo=VIETNAM) + timedelta(days=1),
    )
    pdf = await asyncio.to_thread(
        print_register,
        title=_TITLES[register],
        agency_name=agency_name(settings_of(request), principal.agency_code),
        start=start,
        end=end,
        rows=rows,
        outgoing=register is not Register.INCOMING,
    )
    filename = f"{register.value}-register-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
