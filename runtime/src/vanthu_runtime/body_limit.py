"""A request body is refused with 413 as soon as it grows past the limit, however it is sent.

A `Content-Length` above the limit is refused before anything is read; a chunked body is counted
as its chunks arrive and cut off at the first byte past the limit, so no upload endpoint ever
buffers or spools more than the limit (issue 16: 1,000 MB sent chunked reached the intake API).
Endpoints keep their own, smaller limits per field.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self._max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False
        cut_off = False
        refused = False

        async def counted_receive() -> Message:
            nonlocal received, cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    cut_off = True
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started, refused
            if refused:
                return
            if cut_off and not started:
                # The app caught the cut-off and answered it itself (FastAPI answers a form it
                # could not read with 400): the answer is the 413.
                refused = True
                await self._refuse(send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, counted_receive, watched_send)
        except _TooLarge:
            if refused:
                return
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": {
                    "field": "body",
                    "reason": f"the request is larger than {self._max_bytes} bytes",
                    "reason_vi": f"yêu cầu lớn hơn {self._max_bytes} byte",
                }
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
