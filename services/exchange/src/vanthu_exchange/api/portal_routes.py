"""The portal's pages at the hub (thin: read the form, check the session, call the portal).

The session is a random value in an HttpOnly, SameSite=Strict, Secure cookie (plain HTTP only
when ``portal_cookie_secure`` is off, for development) whose record the hub keeps and deletes on
sign-out; it is not a hub API token, nor is a hub API token a portal session (ADR 0048). Every
form that acts for it also carries a token derived from the session
(``Hub.form_token``), checked before anything changes: SameSite alone does not cover older
browsers or a sibling site on the same registrable domain (ADR 0038).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from vanthu_runtime.file_checks import FileRefused, content_disposition

from vanthu_exchange.api.hub_routes import HubDep
from vanthu_exchange.api.portal_pages import CSRF_FIELD, inbox_page, login_page, package_page
from vanthu_exchange.domain.edxml import StatusCode
from vanthu_exchange.domain.hub import HubRefusal
from vanthu_exchange.hub_accounts import SignInRefused, SystemSession
from vanthu_exchange.hub_handlers import Hub
from vanthu_exchange.portal_handlers import MAX_REPLY_BYTES, Portal

COOKIE = "vanthu_portal"
LOGIN_COOKIE = "vanthu_portal_login"
LOGIN_COOKIE_SECONDS = 3600
LOGIN_PURPOSE = "portal-login"
MAX_FORM_BYTES = MAX_REPLY_BYTES + 256 * 1024
"""The largest body a portal request may send: a reply's file and its few form fields."""
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


class SignInRequired(Exception):
    pass


async def portal_session(request: Request, hub: HubDep) -> SystemSession:
    token = request.cookies.get(COOKIE)
    if not token:
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": "/portal/login"})
    try:
        return await hub.accounts.portal_session_of(token)
    except HubRefusal as exc:
        raise HTTPException(
            status.HTTP_303_SEE_OTHER, headers={"Location": "/portal/login"}
        ) from exc


SessionDep = Annotated[SystemSession, Depends(portal_session)]


async def checked_form_token(request: Request, session: SessionDep, hub: HubDep) -> None:
    """403 unless the form carries this session's token; runs before the form is acted on."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    token = request.cookies.get(COOKIE, "")
    if not isinstance(sent, str) or not hub.accounts.form_token_matches(token, sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "field": CSRF_FIELD,
                "reason": "the form's token is missing or wrong; open the page again",
            },
        )


FormTokenDep = Depends(checked_form_token)


def _form_token(request: Request, hub: Hub) -> str:
    return hub.accounts.form_token(request.cookies.get(COOKIE, ""))


def _cookie_secure(request: Request) -> bool:
    return bool(getattr(request.app.state, "portal_cookie_secure", True))


def _html(body: str, code: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=code, headers={"Cache-Control": "no-store"})


def _agency(session: SystemSession) -> str:
    return session.agencies[0] if session.agencies else session.system_id


def _login_cookie(request: Request) -> str:
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def _login_html(
    request: Request, hub: Hub, cookie: str, error: str | None = None, code: int = 200
) -> HTMLResponse:
    """The sign-in page with a form token bound to the browser's pre-session cookie, which it
    (re)sets: a form posted from another site carries neither (login CSRF, ADR 0048)."""
    response = _html(login_page(hub.accounts.form_token(cookie, LOGIN_PURPOSE), error), code)
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        path="/portal",
        max_age=LOGIN_COOKIE_SECONDS,
        secure=_cookie_secure(request),
    )
    return response


@router.get("/login")
async def login_form(request: Request, hub: HubDep) -> HTMLResponse:
    return _login_html(request, hub, _login_cookie(request))


@router.post("/login")
async def login(
    request: Request,
    hub: HubDep,
    agency_code: Annotated[str, Form(max_length=64)],
    secret: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not hub.accounts.form_token_matches(cookie, csrf_token, LOGIN_PURPOSE):
        # Checked before the secret is tried: a forged form neither signs in nor counts.
        return _login_html(
            request,
            hub,
            _login_cookie(request),
            "Biểu mẫu đăng nhập không hợp lệ hoặc đã hết hạn (csrf_token): hãy đăng nhập lại "
            "từ trang này.",
            status.HTTP_403_FORBIDDEN,
        )
    try:
        token, expires = await hub.accounts.open_portal_session(agency_code.strip(), secret)
    except SignInRefused as exc:
        return _login_html(
            request, hub, cookie, _refused_sign_in(exc), status.HTTP_429_TOO_MANY_REQUESTS
        )
    except HubRefusal:
        return _login_html(
            request,
            hub,
            cookie,
            "Mã định danh hoặc mật khẩu không đúng.",
            status.HTTP_401_UNAUTHORIZED,
        )
    response = RedirectResponse("/portal/inbox", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/portal",
        expires=expires,
        secure=_cookie_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/portal")
    return response


def _refused_sign_in(exc: SignInRefused) -> str:
    if exc.locked:
        until = exc.until.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")
        return (
            f"Đăng nhập sai quá nhiều lần: tài khoản bị khóa đến {until} (giờ Việt Nam), "
            "kể cả khi nhập đúng mật khẩu. Liên hệ đơn vị vận hành trục liên thông để mở khóa."
        )
    return f"Vừa có lần đăng nhập sai: vui lòng thử lại sau {exc.retry_after_s} giây."


@router.post("/logout", dependencies=[FormTokenDep])
async def logout(request: Request, hub: HubDep) -> Response:
    """Ends the session at the hub, so the cookie no longer opens anything, wherever it is kept."""
    await hub.accounts.end_portal_session(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/portal/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/portal")
    return response


@router.get("/inbox")
async def inbox(request: Request, session: SessionDep, hub: HubDep) -> HTMLResponse:
    deliveries = await Portal(hub).inbox(session)
    return _html(inbox_page(_agency(session), deliveries, _form_token(request, hub)))


def _refused(exc: HubRefusal) -> HTTPException:
    return HTTPException(exc.status, detail={"field": exc.field, "reason": exc.reason})


async def _package_page(
    request: Request,
    hub: Hub,
    session: SystemSession,
    delivery_id: str,
    message: str | None = None,
) -> HTMLResponse:
    try:
        view = await Portal(hub).view(session, delivery_id)
    except HubRefusal as exc:
        raise _refused(exc) from exc
    return _html(package_page(_agency(session), view, _form_token(request, hub), message))


@router.get("/packages/{delivery_id}")
async def package(
    request: Request, delivery_id: str, session: SessionDep, hub: HubDep
) -> HTMLResponse:
    return await _package_page(request, hub, session, delivery_id)


@router.get("/packages/{delivery_id}/attachments/{index}")
async def attachment(
    delivery_id: str, index: int, session: SessionDep, hub: HubDep
) -> StreamingResponse:
    workdir = tempfile.TemporaryDirectory(prefix="portal-download-")
    try:
        path, name, media_type = await Portal(hub).attachment(
            session, delivery_id, index, Path(workdir.name)
        )
    except HubRefusal as exc:
        workdir.cleanup()
        raise _refused(exc) from exc

    async def body() -> AsyncIterator[bytes]:
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(256 * 1024):
                    yield chunk
        finally:
            workdir.cleanup()

    return StreamingResponse(
        body(),
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name)},
    )


@router.post("/packages/{delivery_id}/ack", dependencies=[FormTokenDep])
async def acknowledge(
    request: Request, delivery_id: str, session: SessionDep, hub: HubDep
) -> HTMLResponse:
    try:
        await Portal(hub).acknowledge(session, delivery_id)
    except HubRefusal as exc:
        raise _refused(exc) from exc
    return await _package_page(request, hub, session, delivery_id, "Đã xác nhận nhận văn bản.")


@router.post("/packages/{delivery_id}/status", dependencies=[FormTokenDep])
async def answer_status(
    request: Request,
    delivery_id: str,
    session: SessionDep,
    hub: HubDep,
    status_code: Annotated[str, Form(max_length=2)],
    staff: Annotated[str, Form(min_length=1, max_length=100)],
    description: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    try:
        code = StatusCode(status_code)
    except ValueError as exc:
        raise HTTPException(
            422, detail={"field": "status_code", "reason": f"unknown status {status_code!r}"}
        ) from exc
    try:
        await Portal(hub).answer_with_status(session, delivery_id, code, description or None, staff)
    except HubRefusal as exc:
        raise _refused(exc) from exc
    return await _package_page(
        request, hub, session, delivery_id, f"Đã gửi trạng thái {code.value}."
    )


@router.post("/packages/{delivery_id}/reply", dependencies=[FormTokenDep])
async def reply(
    request: Request,
    delivery_id: str,
    session: SessionDep,
    hub: HubDep,
    file: UploadFile,
    subject: Annotated[str, Form(min_length=1, max_length=500)],
    code_number: Annotated[str, Form(min_length=1, max_length=11)],
    code_notation: Annotated[str, Form(min_length=1, max_length=30, pattern=r"^\S+$")],
) -> HTMLResponse:
    """The body is cut off at ``MAX_REPLY_BYTES`` and a little as it arrives (PortalBodyLimit),
    the file is parsed before anything is signed (issue 16 items 5 and 6)."""
    if not file.filename:
        raise HTTPException(422, detail={"field": "file", "reason": "a file is required"})
    try:
        await Portal(hub).reply(
            session,
            delivery_id,
            subject=subject,
            code_number=code_number,
            code_notation=code_notation,
            file_name=file.filename,
            upload=file.file,
        )
    except HubRefusal as exc:
        raise _refused(exc) from exc
    except FileRefused as refused:
        raise HTTPException(
            refused.http_status,
            detail={"field": "file", "reason": refused.reason, "reason_vi": refused.reason_vi},
        ) from refused
    return await _package_page(request, hub, session, delivery_id, "Đã gửi văn bản trả lời.")
