"""The connector's client of a hub's REST API (httpx), streaming packages from and to files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from vanthu_exchange.ports import HubRefused, HubUnavailable

__all__ = ["HttpHubClient", "HubRefused", "HubUnavailable"]

_CHUNK = 256 * 1024
# Received packages are written a MiB at a time: one thread hop per MiB, not per piece read
# (a handful of threads serve all the connector's transfers).
_RECEIVE_CHUNK = 1024 * 1024


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as stream:
        while chunk := await asyncio.to_thread(stream.read, _CHUNK):
            yield chunk


class HttpHubClient:
    def __init__(
        self, base_url: str, system_id: str, secret: str, *, timeout_s: float = 30.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.system_id = system_id
        self._secret = secret
        self._timeout = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._token: str | None = None
        self._token_expires = datetime.min.replace(tzinfo=UTC)

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running loop.
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _session(self) -> str:
        if self._token is None or datetime.now(UTC) > self._token_expires - timedelta(minutes=2):
            body = await self._call(
                "POST",
                "/hub/v1/sessions",
                json={"system_id": self.system_id, "secret": self._secret},
                authorized=False,
            )
            self._token = body["token"]
            self._token_expires = datetime.fromisoformat(body["expires_at"])
        assert self._token is not None
        return self._token

    async def _call(self, method: str, path: str, *, authorized: bool = True, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if authorized:
            headers["Authorization"] = f"Bearer {await self._session()}"
        try:
            response = await self._http().request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"{method} {path}: {exc!r}") from exc
        if response.status_code == 401 and authorized:
            self._token = None  # the hub restarted with a new token secret: sign in again
        _raise_for(response)
        return response.json()

    async def send_package(
        self,
        path: Path,
        idempotency_key: str,
        *,
        recipients: Sequence[str] = (),
        hub_trace: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/xml"}
        if hub_trace:
            headers["X-Vanthu-Hub-Trace"] = ",".join(hub_trace)
        body = await self._call(
            "POST",
            "/hub/v1/packages",
            headers=headers,
            params=[("recipients", r) for r in recipients],
            content=_file_chunks(path),
        )
        return list(body["deliveries"])

    async def pending(self, limit: int = 100, wait_s: float = 0.0) -> list[dict[str, Any]]:
        body = await self._call(
            "GET",
            "/hub/v1/packages",
            params={"limit": limit, "wait": wait_s},
            timeout=self._timeout + wait_s,
        )
        return list(body["packages"])

    async def fetch(self, delivery_id: str, path: Path) -> None:
        headers = {"Authorization": f"Bearer {await self._session()}"}
        try:
            async with self._http().stream(
                "GET", f"/hub/v1/packages/{delivery_id}", headers=headers
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    _raise_for(response)
                with path.open("wb") as sink:
                    # The pieces as they arrive, written a MiB at a time in one thread hop each.
                    pieces: list[bytes] = []
                    held = 0
                    async for piece in response.aiter_bytes():
                        pieces.append(piece)
                        held += len(piece)
                        if held >= _RECEIVE_CHUNK:
                            await asyncio.to_thread(sink.writelines, pieces)
                            pieces, held = [], 0
                    await asyncio.to_thread(sink.writelines, pieces)
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"fetch {delivery_id}: {exc!r}") from exc

    async def acknowledge(self, delivery_id: str, done: bool, reason: str | None = None) -> None:
        await self._call(
            "POST",
            f"/hub/v1/packages/{delivery_id}/ack",
            json={"status": "done" if done else "fail", "reason": reason},
        )

    async def sent(self, since: str | None) -> list[dict[str, Any]]:
        params = {"since": since} if since else {}
        body = await self._call("GET", "/hub/v1/sent", params=params)
        return list(body["deliveries"])

    async def directory(self, since: int) -> dict[str, Any]:
        return dict(await self._call("GET", "/hub/v1/agencies", params={"since": since}))

    async def publish_certificate(self, agency_code: str, pem: str) -> None:
        await self._call(
            "PUT", f"/hub/v1/agencies/{agency_code}/certificate", json={"certificate_pem": pem}
        )


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail: object = response.json().get("detail")
    except ValueError:
        detail = response.text[:300]
    if response.status_code >= 500 or response.status_code in (401, 408, 429):
        raise HubUnavailable(f"hub answered {response.status_code}: {detail}")
    raise HubRefused(response.status_code, detail)
