"""Writing packages in exactly the layout of the hub's official sample.

The hub's own software compares prefixes and placement, not just namespaces (research/
domain_vn.md §1.8), so the layout is fixed: root ``<edXML xmlns="…QCVN_102_2016">``, an
``<edXML:edXMLEnvelope xmlns:edXML="…">`` with ``edXML:``-prefixed children in the sample's order,
the optional ``<Signature xmlns="…xmldsig#">`` after ``TraceHeaderList``, and an unprefixed
``AttachmentEncoded`` after the envelope whose ``<edXML:ContentTransferEncoded>`` carries base64.

The envelope is small and built in memory; attachments are streamed from the caller's file-like
sources into the caller's binary sink through lxml's incremental writer, in blocks of a
multiple of 3 bytes, so no attachment is ever held whole.
"""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from vanthu_exchange.domain.edxml.attachment_stream import (
    ContentMeter,
    iter_base64,
    measure_stream,
)
from vanthu_exchange.domain.edxml.canonical import C14nMode
from vanthu_exchange.domain.edxml.models import (
    AttachmentDescriptor,
    AttachmentInfo,
    Business,
    DocumentPackage,
    MessageHeader,
    Organization,
    OtherInfo,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    TraceHeaderList,
)
from vanthu_exchange.domain.edxml.namespaces import EDXML_NS, EDXML_PREFIX
from vanthu_exchange.domain.edxml.rejections import PackageBuildError
from vanthu_exchange.domain.edxml.secure_reader import ReadLimits, read_xml_stream
from vanthu_exchange.domain.edxml.signature import (
    PackageSigner,
    SignatureProfile,
    complete_sdk_signature,
    complete_signature,
    sdk_signature_template,
    signature_template,
)
from vanthu_exchange.domain.edxml.wire_format import format_date, format_timestamp

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
INDENT = "  "


@dataclass(frozen=True)
class AttachmentSource:
    """An attachment to stream into a package, read from ``stream``'s current position.

    Signing needs each attachment's SHA-256 before the content is written: give ``sha256``
    (hex, e.g. from content-addressed storage) or a seekable ``stream``, which is then read
    twice. A declared ``sha256`` is checked against the bytes actually written.
    """

    content_id: str
    name: str
    content_type: str
    stream: BinaryIO
    description: str | None = None
    sha256: str | None = None
    manifest_content_type: str | None = None
    """The manifest's ``ContentType`` when it differs from the attachment's: a file wrapped in
    ZIP is ``application/zip`` on the attachment and its own type in the manifest."""

    @property
    def info(self) -> AttachmentInfo:
        return AttachmentInfo(
            content_id=self.content_id,
            name=self.name,
            content_type=self.manifest_content_type or self.content_type,
            # The hub's sample repeats the file name as the description.
            description=self.description if self.description is not None else self.name,
        )


def _edxml(local: str) -> str:
    return f"{{{EDXML_NS}}}{local}"


def _add(parent: etree._Element, local: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _edxml(local))
    if text is not None:
        element.text = text
    return element


def _add_optional(parent: etree._Element, local: str, text: str | None) -> None:
    if text is not None:
        _add(parent, local, text)


def _add_organization(
    parent: etree._Element,
    local: str,
    organization: Organization,
    *,
    in_charge_first: bool = False,
) -> None:
    element = _add(parent, local)
    # The SDK's status samples write a status's From with OrganizationInCharge first; some
    # peers deserialize by position (issue 13 item 12).
    if in_charge_first:
        _add_optional(element, "OrganizationInCharge", organization.organization_in_charge)
    _add(element, "OrganId", organization.agency_code)
    if not in_charge_first:
        _add_optional(element, "OrganizationInCharge", organization.organization_in_charge)
    _add_optional(element, "OrganName", organization.name)
    _add_optional(element, "OrganAdd", organization.address)
    _add_optional(element, "Email", organization.email)
    _add_optional(element, "Telephone", organization.telephone)
    _add_optional(element, "Fax", organization.fax)
    _add_optional(element, "Website", organization.website)


def _add_response_for(parent: etree._Element, response_for: ResponseFor) -> None:
    # PromulgationDate first, as the samples (issue 13 item 12).
    element = _add(parent, "ResponseFor")
    if response_for.promulgation_date is not None:
        _add(element, "PromulgationDate", format_date(response_for.promulgation_date))
    _add(element, "OrganId", response_for.agency_code)
    _add_optional(element, "Code", response_for.code)
    _add_optional(element, "DocumentId", response_for.document_code)


def _add_other_info(parent: etree._Element, other: OtherInfo) -> None:
    element = _add(parent, "OtherInfo")
    _add(element, "Priority", str(int(other.urgency)))
    _add_optional(element, "SphereOfPromulgation", other.sphere_of_promulgation)
    _add_optional(element, "TyperNotation", other.typer_notation)
    if other.promulgation_amount is not None:
        _add(element, "PromulgationAmount", str(other.promulgation_amount))
    if other.page_amount is not None:
        _add(element, "PageAmount", str(other.page_amount))
    if other.direction is not None:
        _add(element, "Direction", "true" if other.direction else "false")
    if other.appendixes:
        appendixes = _add(element, "Appendixes")
        for appendix in other.appendixes:
            _add(appendixes, "Appendix", appendix)


def _add_message_header(parent: etree._Element, header: MessageHeader) -> None:
    element = _add(parent, "MessageHeader")
    _add_organization(element, "From", header.sender)
    for recipient in header.recipients:
        _add_organization(element, "To", recipient)
    _add(element, "DocumentId", header.document_code)
    code = _add(element, "Code")
    _add(code, "CodeNumber", header.code.code_number)
    _add(code, "CodeNotation", header.code.code_notation)
    promulgation = _add(element, "PromulgationInfo")
    _add_optional(promulgation, "Place", header.promulgation.place)
    _add(promulgation, "PromulgationDate", format_date(header.promulgation.promulgation_date))
    if header.document_type is not None:
        document_type = _add(element, "DocumentType")
        _add(document_type, "Type", header.document_type.type_code)
        _add_optional(document_type, "TypeDetail", header.document_type.type_detail)
        _add_optional(document_type, "TypeName", header.document_type.type_name)
    _add(element, "Subject", header.subject)
    _add_optional(element, "Content", header.content)
    if header.signer is not None:
        signer = _add(element, "SignerInfo")
        _add_optional(signer, "Competence", header.signer.competence)
        _add_optional(signer, "Position", header.signer.position)
        _add(signer, "FullName", header.signer.full_name)
    if header.due_date is not None:
        _add(element, "DueDate", format_date(header.due_date))
    _add_other_info(element, header.other_info)
    for response_for in header.response_for:
        _add_response_for(element, response_for)
    if header.steering_type is not None:
        _add(element, "SteeringType", str(header.steering_type))
    if header.to_places:
        places = _add(element, "ToPlaces")
        for place in header.to_places:
            _add(places, "Place", place)


def _add_staff(parent: etree._Element, staff: StaffInfo, *, mobile_first: bool) -> None:
    element = _add(parent, "StaffInfo")
    _add_optional(element, "Department", staff.department)
    _add_optional(element, "Staff", staff.staff)
    # The document sample writes Email before Mobile, the status sample the other way round.
    contacts = [("Mobile", staff.mobile), ("Email", staff.email)]
    for local, value in contacts if mobile_first else reversed(contacts):
        _add_optional(element, local, value)


def _add_business(parent: etree._Element, business: Business, own_document_code: str) -> None:
    element = _add(parent, "Bussiness")
    # StaffInfo first, as the samples (issue 13 item 12).
    if business.staff is not None:
        _add_staff(element, business.staff, mobile_first=False)
    # A new document's Bussiness/DocumentId is its own id; changes name their target, unless
    # they came naming it the SDK's way (document_code_in_business false).
    if business.document_code_in_business:
        _add(element, "DocumentId", business.document_code or own_document_code)
    _add(element, "BussinessDocType", str(int(business.doc_type)))
    _add_optional(element, "BussinessDocReason", business.reason)
    _add(element, "Paper", "1" if business.paper_copy_sent else "0")
    if business.document_info is not None:
        info = _add(element, "BussinessDocumentInfo")
        _add_optional(info, "DocumentInfo", business.document_info.document_info)
        _add_optional(info, "DocumentReceiver", business.document_info.document_receiver)
        if business.document_info.receiver_changes:
            receivers = _add(info, "ReceiverList")
            for change in business.document_info.receiver_changes:
                receiver = _add(receivers, "Receiver")
                # ReceiverType first, as the samples (issue 13 item 12).
                _add(receiver, "ReceiverType", str(int(change.change)))
                _add(receiver, "OrganId", change.agency_code)
    if business.replacements:
        replacements = _add(element, "ReplacementInfoList")
        for replacement in business.replacements:
            item = _add(replacements, "ReplacementInfo")
            _add(item, "DocumentId", replacement.document_code)
            organs = _add(item, "OrganIdList")
            for agency_code in replacement.agency_codes:
                _add(organs, "OrganId", agency_code)


def _add_trace_header_list(
    parent: etree._Element, trace: TraceHeaderList, own_document_code: str
) -> None:
    element = _add(parent, "TraceHeaderList")
    for hop in trace.trace_headers:
        item = _add(element, "TraceHeader")
        # An incomplete hop goes on as it came: its written OrganId (``null``) or none.
        _add_optional(item, "OrganId", hop.agency_code or hop.written_organ_id)
        _add(item, "Timestamp", format_timestamp(hop.timestamp))
    _add_business(element, trace.business, own_document_code)


def _add_manifest(envelope: etree._Element, attachments: Sequence[AttachmentInfo]) -> None:
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    for info in attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", info.content_id)
        _add_optional(reference, "ContentType", info.content_type)
        _add_optional(reference, "Description", info.description)
        _add(reference, "AttachmentName", info.name)


def _new_envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(_edxml("edXMLEnvelope"), nsmap={EDXML_PREFIX: EDXML_NS})
    return envelope, _add(envelope, "edXMLHeader")


def _add_status(parent: etree._Element, status: StatusPackage) -> None:
    # The SDK's samples and the VNPT and Bkav libraries carry a status in MessageHeader, in
    # this order, and look nowhere else (issue 13 item 1; edXML:Status is still read).
    element = _add(parent, "MessageHeader")
    _add_organization(element, "From", status.sender, in_charge_first=True)
    if status.recipient is not None:
        _add_organization(element, "To", status.recipient)
    _add_response_for(element, status.response_for)
    _add(element, "StatusCode", status.status_code.value)
    _add_optional(element, "Description", status.description)
    _add(element, "Timestamp", format_timestamp(status.timestamp))
    if status.staff is not None:
        _add_staff(element, status.staff, mobile_first=True)


# -- writing -------------------------------------------------------------------------------


def _write_attachment(xf: etree.xmlfile, attachment: AttachmentSource) -> ContentMeter:
    info = attachment.info
    meter = ContentMeter()
    xf.write("\n" + INDENT * 2)
    with xf.element(_edxml("Attachment")):
        for local, value in (
            ("ContentId", info.content_id),
            ("AttachmentName", info.name),
            ("Description", info.description),
            ("ContentType", attachment.content_type),
        ):
            xf.write("\n" + INDENT * 3)
            with xf.element(_edxml(local)):
                xf.write(value or "")
        xf.write("\n" + INDENT * 3)
        with xf.element(_edxml("ContentTransferEncoded"), nsmap={EDXML_PREFIX: EDXML_NS}):
            for piece in iter_base64(attachment.stream, meter):
                xf.write(piece)
        xf.write("\n" + INDENT * 2)
    return meter


def _write_package(
    sink: BinaryIO,
    envelope: etree._Element,
    attachments: Sequence[AttachmentSource] | None,
    has_attachments: bool,
) -> list[ContentMeter]:
    """Writes root, envelope and (when given) attachments; ``None`` writes the signed frame."""
    meters: list[ContentMeter] = []
    with (
        etree.xmlfile(sink, encoding="UTF-8") as xf,
        xf.element(_edxml("edXML"), nsmap={None: EDXML_NS}),
    ):
        xf.write("\n" + INDENT)
        xf.write(envelope)
        if has_attachments:
            xf.write("\n" + INDENT)
            if attachments is not None:
                with xf.element(_edxml("AttachmentEncoded")):
                    meters = [_write_attachment(xf, attachment) for attachment in attachments]
                    xf.write("\n" + INDENT)
        xf.write("\n")
    return meters


def _attachment_digests(attachments: Sequence[AttachmentSource]) -> list[tuple[str, bytes]]:
    digests = []
    for attachment in attachments:
        if attachment.sha256 is not None:
            digests.append((attachment.content_id, bytes.fromhex(attachment.sha256)))
            continue
        if not attachment.stream.seekable():
            raise PackageBuildError(
                f"signing needs the SHA-256 of {attachment.content_id} before writing it: "
                "pass sha256= or a seekable stream"
            )
        start = attachment.stream.tell()
        meter = measure_stream(attachment.stream)
        attachment.stream.seek(start)
        digests.append((attachment.content_id, meter.sha256_digest))
    return digests


def _check_unique_content_ids(attachments: Sequence[AttachmentSource]) -> None:
    content_ids = [attachment.content_id for attachment in attachments]
    if len(set(content_ids)) != len(content_ids):
        raise PackageBuildError("two attachments share a ContentId")


def _finish(
    sink: BinaryIO,
    envelope: etree._Element,
    header: etree._Element,
    attachments: Sequence[AttachmentSource],
    signer: PackageSigner | None,
    profile: SignatureProfile = SignatureProfile.VANTHU,
) -> tuple[AttachmentDescriptor, ...]:
    if signer is not None and profile is SignatureProfile.SDK:
        return _finish_sdk(sink, envelope, header, attachments, signer)
    signature = None
    if signer is not None:
        signature = signature_template(signer, _attachment_digests(attachments))
        header.append(signature)
    etree.indent(envelope, space=INDENT, level=1)
    if signer is not None and signature is not None:
        frame = io.BytesIO()
        _write_package(frame, envelope, None, bool(attachments))
        complete_signature(signature, signer, frame.getvalue())
    sink.write(XML_DECLARATION)
    meters = _write_package(sink, envelope, attachments, bool(attachments))
    return tuple(_descriptor(a, m) for a, m in zip(attachments, meters, strict=True))


SDK_SPOOL_BYTES = 8 * 1024 * 1024


def _finish_sdk(
    sink: BinaryIO,
    envelope: etree._Element,
    header: etree._Element,
    attachments: Sequence[AttachmentSource],
    signer: PackageSigner,
) -> tuple[AttachmentDescriptor, ...]:
    """The SDK's profile digests the whole package, base64 included: the package is written
    once to a spool and canonicalised by the streaming reader (the same code that checks it
    on receipt), then written again with the signature filled in."""
    starts = []
    for attachment in attachments:
        if not attachment.stream.seekable():
            raise PackageBuildError(
                f"signing with the SDK's profile reads {attachment.content_id} twice: "
                "pass a seekable stream"
            )
        starts.append(attachment.stream.tell())
    signature = sdk_signature_template(signer)
    header.append(signature)
    etree.indent(envelope, space=INDENT, level=1)
    with tempfile.SpooledTemporaryFile(max_size=SDK_SPOOL_BYTES) as spool:
        spool.write(XML_DECLARATION)
        _write_package(spool, envelope, attachments, bool(attachments))  # type: ignore[arg-type]
        spool.seek(0)
        raw = read_xml_stream(
            spool,  # type: ignore[arg-type]
            None,
            ReadLimits(max_package_bytes=sys.maxsize, max_attachments=sys.maxsize),
        )
    digest = raw.canonical.whole_document_digest(C14nMode.EXCLUSIVE, "sha1")
    if digest is None:
        raise PackageBuildError("the package's SHA-1 digest could not be computed")
    complete_sdk_signature(signature, signer, digest)
    for attachment, start in zip(attachments, starts, strict=True):
        attachment.stream.seek(start)
    sink.write(XML_DECLARATION)
    meters = _write_package(sink, envelope, attachments, bool(attachments))
    return tuple(_descriptor(a, m) for a, m in zip(attachments, meters, strict=True))


def _descriptor(attachment: AttachmentSource, meter: ContentMeter) -> AttachmentDescriptor:
    if attachment.sha256 is not None and attachment.sha256 != meter.sha256_hex:
        raise PackageBuildError(
            f"{attachment.content_id} changed while it was written: its SHA-256 is not the "
            "declared one; discard the package"
        )
    info = attachment.info
    return AttachmentDescriptor(
        content_id=info.content_id,
        name=info.name,
        content_type=attachment.content_type,
        manifest_content_type=info.content_type,
        attachment_content_type=attachment.content_type,
        description=info.description,
        size=meter.size,
        sha256=meter.sha256_hex,
    )


def write_document_package(
    sink: BinaryIO,
    package: DocumentPackage,
    attachments: Sequence[AttachmentSource] = (),
    *,
    signer: PackageSigner | None = None,
    signature_profile: SignatureProfile = SignatureProfile.VANTHU,
) -> tuple[AttachmentDescriptor, ...]:
    """Writes a document package to ``sink``; returns what was written for each attachment.

    ``signature_profile`` SDK signs the VPCP SDK's way (rsa-sha1), for peers configured so."""
    _check_unique_content_ids(attachments)
    envelope, header = _new_envelope()
    _add_message_header(header, package.message_header)
    _add_trace_header_list(header, package.trace_header_list, package.message_header.document_code)
    _add_manifest(envelope, [attachment.info for attachment in attachments])
    return _finish(sink, envelope, header, attachments, signer, signature_profile)


def write_status_package(
    sink: BinaryIO,
    status: StatusPackage,
    *,
    signer: PackageSigner | None = None,
    signature_profile: SignatureProfile = SignatureProfile.VANTHU,
) -> None:
    """Writes a status package (its fields in ``edXMLHeader/MessageHeader``) to ``sink``."""
    envelope, header = _new_envelope()
    _add_status(header, status)
    _finish(sink, envelope, header, (), signer, signature_profile)
