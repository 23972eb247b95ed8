"""Wiring of the connector role: its consume loops and its background tasks (sender, receiver,
delivery follower, outbox relay), built from the worker's platform."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

import structlog
from vanthu_contracts.events.exchange import OUTBOUND_TOPIC
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.platform import Platform
from vanthu_runtime.signing.pkcs11_signer import Pkcs11Signer
from vanthu_runtime.signing.ports import RawSigner
from vanthu_runtime.signing.settings import SigningSettings

from vanthu_exchange.adapters.http_hub_client import HttpHubClient, HubRefused, HubUnavailable
from vanthu_exchange.adapters.mongo_connector_store import OUTBOX_COLLECTIONS, MongoConnectorStore
from vanthu_exchange.bootstrap import background_tasks, ensure_indexes_when_reachable, package_store
from vanthu_exchange.config import ExchangeSettings
from vanthu_exchange.connector_handlers import Connector, ConnectorPolicy, NoConnector
from vanthu_exchange.domain.peers import PeerProfile

log = structlog.get_logger(__name__)

_connectors: dict[int, Connector] = {}


def package_token(signing: SigningSettings) -> RawSigner | None:
    """The token the hosted agencies' package keys (``edxml:<agency>``) are in, when the worker
    is given one (VANTHU_SIGNING_PKCS11_MODULE and VANTHU_SIGNING_PIN); else none, and the
    keys are the development ones in Mongo (ADR 0031 addendum)."""
    if signing.pkcs11_module is None or signing.pin is None:
        return None
    return Pkcs11Signer(signing.pkcs11_module, signing.token_label, signing.pin.get_secret_value())


def connector_for(platform: Platform, settings: ExchangeSettings) -> Connector:
    """One connector per worker process, shared by its loops and tasks."""
    found = _connectors.get(id(platform))
    if found is None:
        relay = OutboxRelay(platform.db, OUTBOX_COLLECTIONS, platform.publisher)
        found = Connector(
            MongoConnectorStore(platform.db, notify=relay.notify),
            package_store(platform),
            HttpHubClient(
                settings.hub_url, settings.system_id, settings.system_secret.get_secret_value()
            ),
            relay,
            ConnectorPolicy(
                agencies=settings.agencies,
                max_attempts=settings.max_send_attempts,
                initial_backoff_s=settings.initial_backoff_s,
                max_backoff_s=settings.max_backoff_s,
                max_receive_attempts=settings.max_receive_attempts,
                require_signature=settings.require_signature,
                peers={
                    code: PeerProfile(**peer.model_dump()) for code, peer in settings.peers.items()
                },
            ),
            token=package_token(SigningSettings()),
        )
        _connectors[id(platform)] = found
    return found


def connector_groups(settings: ExchangeSettings, database: str) -> tuple[str, str]:
    """The connector's groups (documents, outbound requests): the deployment's, named after its
    database and system id, so another deployment of the same agency on the broker (a second
    `make run`, a test session) never takes its events (ADR 0049 addendum)."""
    prefix = settings.group_prefix_for(database)
    return f"{prefix}-documents", f"{prefix}-outbound"


def no_connector_group(settings: ExchangeSettings, database: str) -> str:
    """Unchanged since ADR 0049 when not pinned: a renamed group would replay the topic and
    answer every old request as failed."""
    if settings.consumer_group_prefix:
        return f"{settings.consumer_group_prefix}-no-connector"
    return f"exchange-no-connector-{database}"


async def connector_loops(
    platform: Platform, settings: ExchangeSettings
) -> Sequence[Callable[[], ConsumeLoop]]:
    connector = connector_for(platform, settings)
    background_tasks.add(
        asyncio.create_task(ensure_indexes_when_reachable(connector.store.ensure_indexes))
    )
    documents_group, outbound_group = connector_groups(settings, platform.settings.mongo.database)

    def documents() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=documents_group,
            topics=[DOCUMENT_RECEIVED_TOPIC],
            handler=connector.remember_outgoing_document,
            publisher=platform.publisher,
        )

    def requests() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=outbound_group,
            topics=[OUTBOUND_TOPIC],
            handler=connector.queue_send_request,
            publisher=platform.publisher,
        )

    return (documents, requests)


DEMO_AGENCY = "000.00.00.G22"


def no_connector_loops(
    platform: Platform, settings: ExchangeSettings
) -> Sequence[Callable[[], ConsumeLoop]]:
    """Without hub credentials the worker still answers its agencies' send requests: failed,
    with the reason. Its agencies are the hosted ones, else the demo agency (as routing's)."""
    answerer = NoConnector(platform.publisher.publish_record, settings.agencies or (DEMO_AGENCY,))

    def requests() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=no_connector_group(settings, platform.settings.mongo.database),
            topics=[OUTBOUND_TOPIC],
            handler=answerer.refuse_send,
            publisher=platform.publisher,
        )

    return (requests,)


async def _repeat(
    name: str,
    step: Callable[[], Awaitable[object]],
    stopping: asyncio.Event,
    interval_s: float,
    wake: asyncio.Event | None = None,
) -> None:
    """Run ``step`` until stopping; a failing step is logged and tried again after a pause."""
    delay = interval_s
    while not stopping.is_set():
        try:
            await step()
        except (HubUnavailable, HubRefused, OSError) as exc:
            log.warning(
                "connector step failed; retrying", step=name, error=str(exc), retry_in_s=delay
            )
            delay = min(delay * 2, 10.0)
        except Exception:
            log.exception("connector step crashed; retrying", step=name)
            delay = min(delay * 2, 10.0)
        else:
            delay = interval_s
        waiter = wake if wake is not None else asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), delay)
        waiter.clear()


def connector_tasks(
    platform: Platform, settings: ExchangeSettings, stopping: asyncio.Event
) -> Sequence[Awaitable[None]]:
    connector = connector_for(platform, settings)
    keys_ready = asyncio.Event()
    interval = settings.poll_interval_s
    loop = asyncio.get_running_loop()
    next_sync = [0.0]

    async def publish_keys() -> None:
        await connector.ensure_keys_published()
        keys_ready.set()

    async def keys_then_stop() -> None:
        await _repeat("keys", publish_keys_once, stopping, interval)

    async def publish_keys_once() -> None:
        # Fast until the keys are published, then the directory every directory_sync_s: with
        # 64 connectors a sync every poll interval was hundreds of hub requests a second.
        if not keys_ready.is_set():
            await publish_keys()
        elif loop.time() >= next_sync[0]:
            await connector.sync_directory()
        else:
            return
        next_sync[0] = loop.time() + settings.directory_sync_s

    async def send() -> None:
        # Not held back until the hub answered: a send that cannot go (hub away, this system
        # refused) retries and then fails with a status the clerk sees, never waits in silence.
        await connector.ensure_keys()
        await connector.send_due()

    async def receive() -> None:
        if keys_ready.is_set():
            await connector.receive_pending()

    async def follow() -> None:
        if keys_ready.is_set():
            await connector.follow_deliveries()

    async def relay() -> None:
        # Woken by the store's writes in this process (`notify`); restarted here if it fails.
        await connector.relay.run(stopping)

    async def relay_then_close() -> None:
        # The worker cancels its tasks at shutdown: close what the connector opened (the
        # relay's offsets consumer, the hub client) here, or they are left to the collector.
        try:
            await _repeat("relay", relay, stopping, 0.2)
        finally:
            await connector.close()

    return (
        relay_then_close(),
        keys_then_stop(),
        _repeat("send", send, stopping, interval, connector.wake_sender),
        _repeat("receive", receive, stopping, interval),
        _repeat("follow", follow, stopping, max(interval, 1.0)),
    )
