"""The one place that wires the intake service: API routers, the worker's consume loops and tasks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts.events.exchange import INBOUND_TOPIC, STATUS_TOPIC
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC
from vanthu_contracts.events.routing import DECISION_RECORDED_TOPIC
from vanthu_runtime.api import create_app
from vanthu_runtime.directory_copy import DirectoryCopy, directory_copy_loop
from vanthu_runtime.idempotency import ProcessedEvents
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.minio_blob_store import MinioBlobStore
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.platform import Platform
from vanthu_runtime.signing.pkcs11_signer import Pkcs11Signer
from vanthu_runtime.signing.remote_signer import RemoteSigner
from vanthu_runtime.signing.settings import SigningSettings

from vanthu_intake import handlers
from vanthu_intake.adapters.minio_file_store import MinioFileStore
from vanthu_intake.adapters.mongo_claim_book import MongoClaimBook
from vanthu_intake.adapters.mongo_document_repository import (
    OUTBOX_COLLECTIONS,
    MongoDocumentRepository,
)
from vanthu_intake.adapters.mongo_number_register import MongoNumberRegister
from vanthu_intake.adapters.ocrmypdf_ocr_engine import OcrmypdfOcrEngine
from vanthu_intake.adapters.pikepdf_copy_composer import PikepdfCopyComposer
from vanthu_intake.adapters.poppler_pdf_text import PopplerPdfText
from vanthu_intake.adapters.pyhanko_pdf_signing import PyhankoPdfSigning
from vanthu_intake.adapters.pyhanko_signature_verifier import (
    PyhankoSignatureVerifier,
    load_trust_roots,
)
from vanthu_intake.api.copies import router as copies_router
from vanthu_intake.api.documents import router as documents_router
from vanthu_intake.api.imports import router as imports_router
from vanthu_intake.api.legacy import router as legacy_router
from vanthu_intake.api.outgoing import router as outgoing_router
from vanthu_intake.api.registers import router as registers_router
from vanthu_intake.api.signing import router as signing_router
from vanthu_intake.config import SERVICE, IntakeSettings
from vanthu_intake.consumers import (
    document_received,
    draft_approved,
    exchange_inbound,
    exchange_status,
)
from vanthu_intake.handlers import Digitiser, Registry, SigningDesk, StatusDesk

log = structlog.get_logger(__name__)

# Intake's copy of routing's organisation directory (who is a clerk of which agency).
DIRECTORY = "intake_directory"


def build_registry(
    db: AsyncDatabase[MongoDocument], blobs: MinioBlobStore, settings: IntakeSettings
) -> Registry:
    return Registry(
        documents=MongoDocumentRepository(db),
        numbers=MongoNumberRegister(db),
        files=MinioFileStore(blobs),
        claims=MongoClaimBook(db),
        claim_grace=timedelta(seconds=settings.reservation_grace_s),
        pdf_text=PopplerPdfText(),
    )


FORM_FIELDS_ROOM = 1024 * 1024


def platform_registry(platform: Platform, settings: IntakeSettings) -> Registry:
    return build_registry(platform.db, platform.blobs, settings)


async def _wire_api(app: FastAPI, platform: Platform) -> None:
    settings: IntakeSettings = app.state.intake_settings
    registry = platform_registry(platform, settings)
    await ensure_indexes(platform.db)
    app.state.registry = registry
    app.state.directory = DirectoryCopy(platform.db, DIRECTORY)
    app.state.signing = build_signing_desk(registry, settings, SigningSettings())


def build_signing_desk(
    registry: Registry, settings: IntakeSettings, signing: SigningSettings
) -> SigningDesk:
    """The keys of the agency's token and, when configured, the CA's remote signing; without a
    token, signing answers 409 not_configured and the verification reports are still made."""
    token = None
    if signing.pkcs11_module is None or signing.pin is None:
        log.warning("no PKCS#11 token configured: outgoing documents cannot be signed here")
    else:
        timestamper = None
        if signing.tsa_url:
            from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

            timestamper = HTTPTimeStamper(signing.tsa_url)
        token = Pkcs11Signer(
            signing.pkcs11_module, signing.token_label, signing.pin.get_secret_value(), timestamper
        )
    remote = None
    if signing.remote_url:
        secret = signing.remote_client_secret
        remote = RemoteSigner(
            signing.remote_url,
            client_id=signing.remote_client_id,
            client_secret=secret.get_secret_value() if secret else "",
            wait_s=signing.remote_wait_s,
            poll_s=signing.remote_poll_s,
            batch_limit=signing.remote_batch_limit,
        )
    return SigningDesk(
        registry=registry,
        pdfs=PyhankoPdfSigning(load_trust_roots(settings.trust_roots_dir)),
        token=token,
        remote=remote,
        remote_users=signing.remote_users,
        agency_names=settings.agency_names,
        composer=PikepdfCopyComposer(),
    )


def create_api() -> FastAPI:
    settings = IntakeSettings()
    app = create_app(
        service=SERVICE,
        routers=[
            documents_router,
            outgoing_router,
            signing_router,
            copies_router,
            registers_router,
            legacy_router,
            imports_router,
        ],
        on_startup=_wire_api,
        # all files of a registration together, plus room for its form fields
        max_body_bytes=settings.max_upload_bytes + FORM_FIELDS_ROOM,
    )
    app.state.intake_settings = settings
    return app


async def ensure_indexes(db: AsyncDatabase[MongoDocument]) -> None:
    await MongoDocumentRepository(db).ensure_indexes()
    await MongoNumberRegister(db).ensure_indexes()


def build_digitiser(platform: Platform, settings: IntakeSettings) -> Digitiser:
    return Digitiser(
        registry=platform_registry(platform, settings),
        ocr=OcrmypdfOcrEngine(settings.ocr_language, settings.ocr_timeout_s),
        signatures=PyhankoSignatureVerifier(load_trust_roots(settings.trust_roots_dir)),
        low_confidence=settings.ocr_low_confidence,
    )


async def build_loops(platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
    await ensure_indexes(platform.db)
    settings = IntakeSettings()
    digitiser = build_digitiser(platform, settings)
    desk = StatusDesk(department=settings.staff_department, name=settings.staff_name)
    prefix = settings.group_prefix_for(platform.settings.mongo.database)
    digitiser_group = f"{prefix}-{document_received.GROUP}"
    inbound_group = f"{prefix}-{exchange_inbound.GROUP}"
    processed_digitiser = ProcessedEvents(platform.db, digitiser_group)
    processed_inbound = ProcessedEvents(platform.db, inbound_group)
    status_group = f"{prefix}-{exchange_status.GROUP}"
    processed_status = ProcessedEvents(platform.db, status_group)
    drafts_group = f"{prefix}-{draft_approved.GROUP}"
    processed_drafts = ProcessedEvents(platform.db, drafts_group)

    def digitising_loop() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=digitiser_group,
            topics=[DOCUMENT_RECEIVED_TOPIC],
            handler=document_received.handle_document_received(digitiser),
            publisher=platform.publisher,
            processed=processed_digitiser,
            # OCR takes seconds per scan; small batches keep the commit close behind.
            max_batch=5,
        )

    def inbound_loop() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=inbound_group,
            topics=[INBOUND_TOPIC],
            handler=exchange_inbound.handle_package_received(digitiser.registry, desk),
            publisher=platform.publisher,
            processed=processed_inbound,
        )

    def status_loop() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=status_group,
            topics=[STATUS_TOPIC],
            handler=exchange_status.handle_exchange_status(digitiser.registry),
            publisher=platform.publisher,
            processed=processed_status,
        )

    def drafts_loop() -> ConsumeLoop:
        return ConsumeLoop(
            settings=platform.settings.kafka,
            group_id=drafts_group,
            topics=[DECISION_RECORDED_TOPIC],
            handler=draft_approved.handle_draft_approved(digitiser.registry),
            publisher=platform.publisher,
            processed=processed_drafts,
        )

    def directory_loop() -> ConsumeLoop:
        return directory_copy_loop(
            DirectoryCopy(platform.db, DIRECTORY),
            settings=platform.settings.kafka,
            group_id=f"{prefix}-directory",
            publisher=platform.publisher,
        )

    return (digitising_loop, inbound_loop, status_loop, drafts_loop, directory_loop)


async def reconcile_forever(
    registry: Registry, settings: IntakeSettings, stopping: asyncio.Event
) -> None:
    """Turn numbers whose registration died half-way into void entries of the register."""
    grace = timedelta(seconds=settings.reservation_grace_s)
    while not stopping.is_set():
        try:
            await handlers.reconcile_reservations(registry, grace)
        except Exception:  # a failed pass (say, a server restarting) is retried on the next one
            log.exception("reconciling number reservations failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), max(1.0, grace.total_seconds() / 4))


def extra_tasks(platform: Platform, stopping: asyncio.Event) -> Sequence[Awaitable[None]]:
    settings = IntakeSettings()
    relay = OutboxRelay(platform.db, OUTBOX_COLLECTIONS, platform.publisher)
    registry = platform_registry(platform, settings)
    return [relay.run(stopping), reconcile_forever(registry, settings, stopping)]
