"""What every answer of the portal carries, pages, redirects, downloads and errors alike, and how
much a portal request may send (issue 16 items 5 and 13; ADR 0048).

The portal has no script and one inline style: its Content-Security-Policy allows nothing else
(no frames of it anywhere, forms posted only to itself, no plug-ins, no base rewriting).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from vanthu_runtime.body_limit import BodyLimit

from vanthu_exchange.api.portal_pages import STYLE_HASH

PORTAL_PREFIX = "/portal"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        f"style-src '{STYLE_HASH}'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _is_portal(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return scope["type"] == "http" and (path == PORTAL_PREFIX or path.startswith("/portal/"))


class PortalSecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_portal(scope):
            await self._app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self._app(scope, receive, send_with_headers)


class PortalBodyLimit:
    """The portal's own, smaller body limit, counted as the bytes arrive (chunked too) by the
    runtime's ``BodyLimit``: the hub's limit is sized for packages of 256 MB."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._limited = BodyLimit(app, max_bytes=max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _is_portal(scope):
            await self._limited(scope, receive, send)
        else:
            await self._app(scope, receive, send)
