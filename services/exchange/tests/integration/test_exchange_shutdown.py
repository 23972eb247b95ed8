"""A connector that exchanged packages stops cleanly: it exits on SIGTERM, nothing left unclosed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import signal
import uuid

from exchange_testkit import (
    EventTap,
    issued_document,
    put_file,
    random_agency,
    random_secret,
    send_request,
    start_connector,
    start_hub,
    stopping,
)
from harness.polling import eventually
from vanthu_contracts import decode, encode
from vanthu_contracts.events.exchange import ProcessingStatusReceived
from vanthu_contracts.events.values import FileRef, FileRole
from vanthu_exchange.config import ExchangeSettings
from vanthu_exchange.connector_wiring import _connectors, connector_for, connector_tasks
from vanthu_runtime.platform import Platform

# ResourceWarnings are silent by default; a process that leaves a client open says so here.
LOUD_WARNINGS = {"PYTHONWARNINGS": "always::ResourceWarning"}
LEFT_OPEN = ("Unclosed", "unclosed", "Task was destroyed", "Traceback")


async def test_connectors_stop_cleanly_after_publishing_without_unclosed_clients(
    servers, tmp_path, publisher, platform_settings, topics_ready
) -> None:
    logs = tmp_path / "logs"
    hub = start_hub(servers, logs, hub_id="hub-shutdown")
    ministry, province = random_agency("G09"), random_agency("H41")
    secrets_ = {ministry: random_secret(), province: random_secret()}
    for code in (ministry, province):
        assert hub.register(code, secrets_[code], [code]).status_code == 201
    sender = start_connector(
        servers, logs, hub, ministry, secrets_[ministry], [ministry], extra_env=LOUD_WARNINGS
    )
    receiver = start_connector(
        servers, logs, hub, province, secrets_[province], [province], extra_env=LOUD_WARNINGS
    )
    tap = EventTap(platform_settings.kafka.bootstrap_servers, ("exchange.status",))
    await tap.start()
    with stopping(sender.process, receiver.process, hub.process):
        document = issued_document(
            ministry, [province], (put_file(servers, sender.bucket, b"%PDF-1.4 x"),)
        )
        await publisher.publish(document)
        await publisher.publish(send_request(document, [province]))
        # Both relays published: the receiver its PackageReceived, the sender the status 01.
        await eventually(
            lambda: tap.matching(
                lambda e: (
                    isinstance(e, ProcessingStatusReceived)
                    and e.document_id == document.document_id
                )
            ),
            timeout=60,
            what="status 01 back at the ministry",
        )
        await tap.stop()

        for deployment in (sender, receiver):
            deployment.process.stop(signal.SIGTERM)
            assert deployment.process.popen is not None
            # uvicorn re-raises the signal it handled once shutdown completed; a process that
            # hung would have been killed (-9) by the harness instead.
            assert deployment.process.popen.returncode in (0, -signal.SIGTERM), (
                deployment.process.log_tail()
            )
            log = deployment.process.log_path.read_text(errors="replace")
            assert "Finished server process" in log
            assert not [line for line in log.splitlines() if any(m in line for m in LEFT_OPEN)]


async def test_stopping_the_connectors_tasks_closes_the_relays_kafka_consumer_and_hub_client(
    platform_settings, topics_ready
) -> None:
    """In process, so that a consumer left open shows as an unraisable ResourceWarning when
    collected (an error under the suite's warning filter)."""
    settings = platform_settings.mongo.model_copy(update={"database": f"t_{uuid.uuid4().hex[:8]}"})
    platform = Platform("exchange", dataclasses.replace(platform_settings, mongo=settings))
    await platform.open()
    agency = random_agency("H41")
    exchange = ExchangeSettings(
        hub_url="http://127.0.0.1:9",  # nothing listens: the hub tasks just retry
        system_id=agency,
        system_secret=random_secret(),
        hosted_agencies=[agency],
    )
    connector = connector_for(platform, exchange)
    stopping_ = asyncio.Event()
    tasks = [asyncio.ensure_future(t) for t in connector_tasks(platform, exchange, stopping_)]
    never_stored = FileRef(
        file_id="f", name="cv.pdf", media_type="application/pdf", size=1, sha256="0" * 64,
        object_key="k", role=FileRole.ORIGINAL,
    )  # fmt: skip
    document = issued_document(agency, ["000.00.00.G09"], (never_stored,))
    record = encode(send_request(document, ["000.00.00.G09"]), source="/vanthu/tests")
    await connector.queue_send_request(decode(list(record.headers), record.value))
    await eventually(
        lambda: connector.relay._offsets is not None,
        timeout=30,
        what="the relay published the queued state and opened its offsets consumer",
    )

    stopping_.set()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert connector.relay._offsets is None
    assert connector.hub._client is None
    # The consumer the relay dropped is collected now: unclosed, it would warn (an error here).
    _connectors.clear()
    gc.collect()
    await platform.mongo_client.drop_database(settings.database)
    await platform.close()
