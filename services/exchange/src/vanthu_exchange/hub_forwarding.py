"""Store-and-forward between hubs: learn the agencies a peer hub serves, hand it the deliveries
addressed to them (ADR 0035).

The signed TraceHeaderList cannot be extended by a hub without breaking the sender's signature,
so hubs carry their own hops in ``X-Vanthu-Hub-Trace``: a hub refuses a package whose trace
already names it, and never forwards to a hub the trace names.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from datetime import datetime
from pathlib import Path

import structlog

from vanthu_exchange.adapters.http_hub_client import HttpHubClient, HubRefused, HubUnavailable
from vanthu_exchange.config import ExchangeSettings, PeerHub
from vanthu_exchange.domain.hub import DeliveryState
from vanthu_exchange.hub_handlers import Hub

log = structlog.get_logger(__name__)

DONE, FAILED = DeliveryState.DONE.value, DeliveryState.FAILED.value

FULL_SYNC_EVERY = 20


class PeerLink:
    def __init__(self, hub: Hub, peer: PeerHub) -> None:
        self.hub = hub
        self.peer = peer
        self.client = HttpHubClient(peer.url, peer.system_id, peer.secret.get_secret_value())
        self.version = 0
        self.passes = 0

    async def learn_directory(self) -> None:
        # Every so often read everything again: two directory writes can commit out of version
        # order, and an incremental cursor past the later one never sees the earlier.
        self.passes += 1
        since = 0 if self.passes % FULL_SYNC_EVERY == 0 else self.version
        answer = await self.client.directory(since)
        if answer["agencies"]:
            await self.hub.learn_peer_agencies(self.peer.name, answer["agencies"])
        self.version = max(self.version, int(answer["version"]))

    async def follow_forwarded(self) -> int:
        """The peer's recipients acknowledged: our forwarded deliveries become done or failed.

        The peer lists what this hub sent it (``/sent``), each entry keyed by the idempotency
        key we forwarded with, which is our delivery's id; a hub further on does the same, so
        the acknowledgement travels back hop by hop (ADR 0037)."""
        cursor_name = f"peer-sent|{self.peer.name}"
        since = await self.hub.store.cursor(cursor_name)
        latest = since
        followed = 0
        for remote in await self.client.sent(since):
            latest = remote["updated_at"] if latest is None else max(latest, remote["updated_at"])
            local_id = remote.get("idempotency_key")
            if remote["state"] not in (DONE, FAILED) or not local_id:
                continue
            moved = await self.hub.store.move(
                local_id,
                [DeliveryState.FORWARDED, DeliveryState.FORWARDING],
                DeliveryState(remote["state"]),
                {
                    "acknowledged_at": datetime.fromisoformat(remote["updated_at"]),
                    "reason": remote.get("reason"),
                    "acknowledged_via": self.peer.name,
                },
            )
            followed += int(moved is not None)
        if latest is not None and latest != since:
            await self.hub.store.set_cursor(cursor_name, latest)
        return followed

    async def forward_waiting(self) -> int:
        forwarded = 0
        for delivery in await self.hub.store.to_forward(100):
            if delivery.get("peer_hub") != self.peer.name:
                continue
            with tempfile.TemporaryDirectory(prefix="forward-") as workdir:
                path = Path(workdir) / "package.edxml"
                await self.hub.packages.download(delivery["object_key"], path)
                try:
                    remote = await self.client.send_package(
                        path,
                        idempotency_key=delivery["_id"],
                        recipients=[delivery["recipient"]],
                        hub_trace=delivery.get("hub_trace") or [self.hub.hub_id],
                    )
                except HubRefused as exc:
                    await self.hub.store.move(
                        delivery["_id"],
                        [DeliveryState.FORWARDING],
                        DeliveryState.FAILED,
                        {"reason": f"hub {self.peer.name} refused: {exc.detail}"[:500]},
                    )
                    continue
            await self.hub.store.move(
                delivery["_id"],
                [DeliveryState.FORWARDING],
                DeliveryState.FORWARDED,
                {"remote_delivery_id": remote[0]["delivery_id"] if remote else None},
            )
            forwarded += 1
        return forwarded


async def run_forwarding(hub: Hub, settings: ExchangeSettings) -> None:
    links = [PeerLink(hub, peer) for peer in settings.hub_peers]
    delay = settings.hub_forward_interval_s
    try:
        while True:
            for link in links:
                try:
                    await link.learn_directory()
                    await link.forward_waiting()
                    await link.follow_forwarded()
                except (HubUnavailable, OSError) as exc:
                    log.warning("peer hub unreachable", peer=link.peer.name, error=str(exc))
            await asyncio.sleep(delay)
    finally:
        for link in links:
            with contextlib.suppress(Exception):
                await link.client.close()
