"""The Signer of the CAs' remote signing services (hash signing: VNPT SmartCA, Viettel MySign and
the like): the digests are submitted, the person confirms on the phone within a time limit, the
CMS signatures come back. The protocol spoken here is the one `remote_simulator` serves; a real
provider's base URL and client credentials are configuration (`VANTHU_SIGNING_REMOTE_*`), and a
provider whose API differs gets an adapter of its own behind the same port.

    GET  {base}/v1/credentials/{key_ref}/certificate   -> {"certificate": base64 DER}
    POST {base}/v1/signatures {"credential_id", "description", "hashes": [{"id", "sha256"}]}
                                                       -> {"transaction_id", "state"}
    GET  {base}/v1/signatures/{transaction_id}         -> {"state", "reason", "signatures":
                                                           [{"id", "cms": base64 DER}]}

States: waiting, confirmed, rejected, timed_out, certificate_revoked.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

import httpx

from vanthu_runtime.signing.ports import (
    CertificateRevoked,
    SigningFailed,
    SigningRejected,
    SigningTimedOut,
    UnknownKey,
)

FAILURES: dict[str, type[SigningFailed]] = {
    "rejected": SigningRejected,
    "timed_out": SigningTimedOut,
    "certificate_revoked": CertificateRevoked,
}


class RemoteSigner:
    def __init__(
        self,
        base_url: str,
        *,
        client_id: str = "",
        client_secret: str = "",
        wait_s: float = 120.0,
        poll_s: float = 1.0,
        batch_limit: int = 50,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(client_id, client_secret) if client_id else None
        self._wait_s = wait_s
        self._poll_s = poll_s
        self._batch_limit = batch_limit

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self._base_url, auth=self._auth, timeout=30.0)

    async def certificate(self, key_ref: str) -> bytes:
        async with self._client() as client:
            answer = await client.get(f"/v1/credentials/{key_ref}/certificate")
        if answer.status_code == httpx.codes.NOT_FOUND:
            raise UnknownKey(key_ref, "the remote signing provider knows no such credential")
        answer.raise_for_status()
        return base64.b64decode(answer.json()["certificate"])

    async def sign_digests(
        self, key_ref: str, digests: Sequence[bytes], *, description: str
    ) -> list[bytes]:
        signatures: list[bytes] = []
        async with self._client() as client:
            for start in range(0, len(digests), self._batch_limit):
                chunk = digests[start : start + self._batch_limit]
                signatures += await self._one_confirmation(client, key_ref, chunk, description)
        return signatures

    async def _one_confirmation(
        self,
        client: httpx.AsyncClient,
        key_ref: str,
        digests: Sequence[bytes],
        description: str,
    ) -> list[bytes]:
        hashes = [
            {"id": str(i), "sha256": base64.b64encode(d).decode()} for i, d in enumerate(digests)
        ]
        answer = await client.post(
            "/v1/signatures",
            json={"credential_id": key_ref, "description": description, "hashes": hashes},
        )
        if answer.status_code == httpx.codes.NOT_FOUND:
            raise UnknownKey(key_ref, "the remote signing provider knows no such credential")
        answer.raise_for_status()
        transaction: dict[str, Any] = answer.json()
        deadline = asyncio.get_running_loop().time() + self._wait_s
        while transaction["state"] == "waiting":
            if asyncio.get_running_loop().time() >= deadline:
                raise SigningTimedOut(
                    key_ref, f"not confirmed on the phone within {self._wait_s:g} s"
                )
            await asyncio.sleep(self._poll_s)
            polled = await client.get(f"/v1/signatures/{transaction['transaction_id']}")
            polled.raise_for_status()
            transaction = polled.json()
        state = transaction["state"]
        if state in FAILURES:
            raise FAILURES[state](key_ref, transaction.get("reason") or state)
        if state != "confirmed":
            raise SigningFailed(key_ref, f"the provider answered the state {state!r}")
        by_id = {s["id"]: base64.b64decode(s["cms"]) for s in transaction["signatures"]}
        return [by_id[h["id"]] for h in hashes]
