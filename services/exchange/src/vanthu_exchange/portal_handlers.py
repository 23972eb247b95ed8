"""The hub's portal for agencies with no system of their own (the seed's third group).

The hub acts for such an agency as an intermediary (DHX's represented party): it opens the
packages addressed to it, lets it acknowledge them, and sends its answers, a status or a reply
document, signed with a key the hub keeps for that agency and publishes in its directory
(ADR 0036).
"""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from vanthu_runtime.file_checks import FileLimits, check_upload_async

from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    AttachmentStart,
    Business,
    DocumentNumber,
    DocumentPackage,
    MessageHeader,
    Organization,
    PackageSigner,
    Promulgation,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    compose_document_code,
    read_package,
    split_document_code,
    write_document_package,
    write_status_package,
)
from vanthu_exchange.domain.hub import HubRefusal
from vanthu_exchange.domain.signing_keys import self_signed_key, signer_from_pem
from vanthu_exchange.hub_accounts import SystemSession
from vanthu_exchange.hub_handlers import AcceptedDelivery, Hub

MAX_REPLY_BYTES = 50 * 1024 * 1024
REPLY_LIMITS = FileLimits(max_bytes=MAX_REPLY_BYTES)
"""What a reply document's file may be: the runtime's checks and limits for every upload."""

PORTAL_STATUSES = (
    StatusCode.ARRIVED,
    StatusCode.REJECTED,
    StatusCode.ACCEPTED,
    StatusCode.ASSIGNED,
    StatusCode.IN_PROGRESS,
    StatusCode.DONE,
)


@dataclass(frozen=True)
class PackageView:
    delivery: dict[str, Any]
    sender_name: str | None
    subject: str | None
    code: str | None
    promulgation_date: date | None
    attachments: list[dict[str, Any]]


class Portal:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def inbox(self, session: SystemSession, limit: int = 200) -> list[dict[str, Any]]:
        return await self.hub.store.received_by(session.system_id, limit)

    async def _delivery(self, session: SystemSession, delivery_id: str) -> dict[str, Any]:
        delivery = await self.hub.store.delivery(delivery_id)
        if delivery is None or delivery.get("recipient_system") != session.system_id:
            raise HubRefusal("delivery_id", f"no package {delivery_id} for this agency", 404)
        return dict(delivery)

    async def view(self, session: SystemSession, delivery_id: str) -> PackageView:
        delivery = await self._delivery(session, delivery_id)
        with tempfile.TemporaryDirectory(prefix="portal-") as workdir:
            path = Path(workdir) / "package.edxml"
            await self.hub.packages.download(delivery["object_key"], path)
            read = await asyncio.to_thread(_read, path, None)
        package = read.package
        if isinstance(package, DocumentPackage):
            header = package.message_header
            return PackageView(
                delivery,
                header.sender.name,
                header.subject,
                str(header.code),
                header.promulgation.promulgation_date,
                [
                    {"index": i, "name": a.name, "size": a.size, "content_type": a.content_type}
                    for i, a in enumerate(read.attachments)
                ],
            )
        assert isinstance(package, StatusPackage)
        return PackageView(
            delivery,
            package.sender.name,
            f"Trạng thái {package.status_code.value}: {package.description or ''}",
            None,
            None,
            [],
        )

    async def attachment(
        self, session: SystemSession, delivery_id: str, index: int, workdir: Path
    ) -> tuple[Path, str, str]:
        """The attachment's bytes in a file of ``workdir``, its name and media type."""
        delivery = await self._delivery(session, delivery_id)
        path = workdir / "package.edxml"
        await self.hub.packages.download(delivery["object_key"], path)
        target = workdir / "attachment"
        read = await asyncio.to_thread(_read, path, (index, target))
        if index >= len(read.attachments):
            raise HubRefusal("index", f"the package has {len(read.attachments)} attachments", 404)
        chosen = read.attachments[index]
        return target, chosen.name, chosen.content_type

    async def acknowledge(self, session: SystemSession, delivery_id: str) -> str:
        return await self.hub.acknowledge(session, delivery_id, True, None)

    async def _signer(self, agency_code: str) -> PackageSigner:
        found = await self.hub.store.portal_key(agency_code)
        if found is None:
            key_pem, cert_pem = await asyncio.to_thread(self_signed_key, agency_code)
            found = await self.hub.store.add_portal_key(agency_code, key_pem, cert_pem)
            await self.hub.store.save_agency(agency_code, {"certificate_pem": cert_pem})
        return signer_from_pem(found["key_pem"], found["certificate_pem"])

    async def answer_with_status(
        self,
        session: SystemSession,
        delivery_id: str,
        code: StatusCode,
        description: str | None,
        staff: str,
    ) -> list[AcceptedDelivery]:
        if code not in PORTAL_STATUSES:
            raise HubRefusal("status_code", f"{code.value} is not a status a recipient reports")
        if code is StatusCode.REJECTED and not description:
            raise HubRefusal("description", "a rejection (02) must say why")
        delivery = await self._delivery(session, delivery_id)
        if delivery["kind"] != "edoc":
            raise HubRefusal("delivery_id", "only documents are answered with a status")
        document_code = delivery.get("document_code") or ""
        parts = split_document_code(document_code)
        package = StatusPackage(
            sender=Organization(agency_code=delivery["recipient"]),
            response_for=ResponseFor(
                agency_code=delivery["from_agency"],
                code=parts.number_and_notation if parts else None,
                promulgation_date=parts.promulgation_date if parts else None,
                document_code=document_code,
            ),
            staff=StaffInfo(department="Văn thư", staff=staff),
            status_code=code,
            description=description,
            timestamp=datetime.now(UTC).replace(microsecond=0),
        )
        signer = await self._signer(delivery["recipient"])
        sink = io.BytesIO()
        write_status_package(sink, package, signer=signer)
        return await self._send(
            session, sink.getvalue(), f"portal-status|{delivery_id}|{code.value}"
        )

    async def reply(
        self,
        session: SystemSession,
        delivery_id: str,
        *,
        subject: str,
        code_number: str,
        code_notation: str,
        file_name: str,
        upload: BinaryIO,
    ) -> list[AcceptedDelivery]:
        """Send a reply document. Its file is parsed for real first (``vanthu_runtime.file_checks``:
        PDF, TIFF, JPEG or PNG that opens, no active content, no password, within page and pixel
        limits), its media type is what the parsing found, not what the browser claimed, and
        its name is made safe; a refused file raises ``FileRefused`` and nothing is signed."""
        delivery = await self._delivery(session, delivery_id)
        agency = delivery["recipient"]
        today = datetime.now(UTC).date()
        original = delivery.get("document_code") or ""
        parts = split_document_code(original)
        document_code = compose_document_code(agency, today, code_number, code_notation)
        header = MessageHeader(
            sender=Organization(agency_code=agency),
            recipients=(Organization(agency_code=delivery["from_agency"]),),
            document_code=document_code,
            code=DocumentNumber(code_number=code_number, code_notation=code_notation),
            promulgation=Promulgation(promulgation_date=today),
            subject=subject,
            response_for=(
                ResponseFor(
                    agency_code=delivery["from_agency"],
                    code=parts.number_and_notation if parts else None,
                    promulgation_date=parts.promulgation_date if parts else None,
                    document_code=original,
                ),
            ),
        )
        package = DocumentPackage(
            message_header=header,
            trace_header_list=TraceHeaderList(
                trace_headers=(
                    TraceHeader(
                        agency_code=agency, timestamp=datetime.now(UTC).replace(microsecond=0)
                    ),
                ),
                business=Business(document_code=document_code, reason="Văn bản trả lời"),
            ),
        )
        with tempfile.TemporaryDirectory(prefix="reply-") as workdir:
            kept = Path(workdir) / "upload"
            await asyncio.to_thread(_keep, upload, kept)
            checked = await check_upload_async(kept, file_name, REPLY_LIMITS)
            signer = await self._signer(agency)
            path = Path(workdir) / "reply.edxml"
            await asyncio.to_thread(
                _write_reply, path, package, checked.display_name, checked.media_type, kept, signer
            )
            return await self.hub.accept_package(
                session, idempotency_key=f"portal-reply|{delivery_id}|{document_code}", path=path
            )

    async def _send(self, session: SystemSession, data: bytes, key: str) -> list[AcceptedDelivery]:
        with tempfile.TemporaryDirectory(prefix="portal-") as workdir:
            path = Path(workdir) / "package.edxml"
            path.write_bytes(data)
            return await self.hub.accept_package(session, idempotency_key=key, path=path)


def _keep(upload: BinaryIO, path: Path) -> None:
    with path.open("wb") as sink:
        shutil.copyfileobj(upload, sink, 1024 * 1024)


def _write_reply(
    path: Path,
    package: DocumentPackage,
    name: str,
    content_type: str,
    file: Path,
    signer: PackageSigner,
) -> None:
    with path.open("wb") as sink, file.open("rb") as source:
        write_document_package(
            sink, package, [AttachmentSource("cid:1", name, content_type, source)], signer=signer
        )


def _read(path: Path, wanted: tuple[int, Path] | None) -> Any:
    with ExitStack() as stack:

        def open_sink(start: AttachmentStart) -> Any:
            if wanted is not None and start.index == wanted[0]:
                return stack.enter_context(wanted[1].open("wb"))
            return _Discard()

        with path.open("rb") as source:
            return read_package(source, open_sink)


class _Discard:
    def write(self, data: bytes, /) -> int:
        return len(data)
