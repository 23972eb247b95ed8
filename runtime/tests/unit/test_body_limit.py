"""An upload past the limit is refused with 413 however it is sent, before it is all read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import APIRouter, File, Request, UploadFile
from vanthu_runtime.api import create_app

router = APIRouter()
completed: list[int] = []


@router.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    body = await request.body()
    completed.append(len(body))
    return {"size": len(body)}


def _client(limit: int) -> httpx.AsyncClient:
    app = create_app(service="intake", routers=(router,), max_body_bytes=limit)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


async def _chunks(count: int, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    for _ in range(count):
        sent.append(size)
        yield b"x" * size


async def test_a_declared_length_over_the_limit_is_refused_before_the_endpoint_runs() -> None:
    completed.clear()
    async with _client(1000) as client:
        answer = await client.post("/upload", content=b"x" * 2000)
    assert answer.status_code == 413
    assert "larger than 1000 bytes" in answer.json()["detail"]["reason"]
    assert completed == []


async def test_a_chunked_upload_is_cut_off_at_the_limit() -> None:
    completed.clear()
    sent: list[int] = []
    async with _client(1000) as client:
        answer = await client.post("/upload", content=_chunks(100, 400, sent))
    assert answer.status_code == 413
    assert completed == []
    assert sum(sent) < 100 * 400  # the rest was never read


async def test_an_upload_within_the_limit_is_taken_whole() -> None:
    completed.clear()
    async with _client(1000) as client:
        answer = await client.post("/upload", content=_chunks(2, 400, []))
    assert answer.status_code == 200
    assert answer.json() == {"size": 800}


form_router = APIRouter()


@form_router.post("/form")
async def form_upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
    data = await file.read()
    completed.append(len(data))
    return {"size": len(data)}


async def test_a_chunked_upload_to_a_form_endpoint_is_answered_413_not_the_apps_400() -> None:
    completed.clear()
    sent: list[int] = []
    app = create_app(service="routing", routers=(form_router,), max_body_bytes=1000)
    boundary = "b"

    async def body() -> AsyncIterator[bytes]:
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'.encode()
        async for chunk in _chunks(100, 400, sent):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as client:
        answer = await client.post(
            "/form",
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert answer.status_code == 413
    assert answer.json()["detail"]["field"] == "body"
    assert completed == []
    assert sum(sent) < 100 * 400
