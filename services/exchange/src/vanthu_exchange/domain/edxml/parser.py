"""Reading packages: bytes in, models and attachment descriptors out.

``read_package`` makes one pass over the source. Attachments are decoded piece by piece into
sinks the caller opens (``open_sink``), so a 100 MB attachment is never held in memory; their
size and SHA-256 are measured on the way. Element order does not matter, both ``Bussiness*``
(the standard's spelling) and ``Business*`` are read, and ``AttachmentEncoded`` may sit outside
the envelope (the official sample) or inside it (an older sample).

Anything doubtful raises a ``PackageRejected`` subclass naming the field; attachments already
written to sinks then belong to a refused package and must be discarded by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, TypeVar

from pydantic import ValidationError

from vanthu_exchange.domain.agency_code import is_agency_code_syntax, is_test_environment_code
from vanthu_exchange.domain.edxml.models import (
    AttachmentDescriptor,
    AttachmentInfo,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    DocumentNumber,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    Promulgation,
    ReceiverChange,
    ReceiverChangeType,
    Replacement,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    Urgency,
)
from vanthu_exchange.domain.edxml.namespaces import EDXML_NS
from vanthu_exchange.domain.edxml.rejections import (
    InvalidPackage,
    MalformedAttachment,
    MalformedField,
    MissingField,
    NotAnEdxmlPackage,
    PackageRejected,
    UnknownAgency,
    UnknownStatusCode,
)
from vanthu_exchange.domain.edxml.secure_reader import (
    AttachmentSinkOpener,
    RawPackage,
    ReadLimits,
    StreamedAttachment,
    read_xml_stream,
)
from vanthu_exchange.domain.edxml.wire_format import (
    DATE_FORMATS,
    TIMESTAMP_FORMATS,
    parse_date,
    parse_timestamp,
)
from vanthu_exchange.domain.edxml.xml_tree import XmlElement

KnownAgency = Callable[[str], bool]
_T = TypeVar("_T")

ONE_LINE = "one line without control characters"
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# RFC 6838 type/subtype names, then parameters that stay on the line.
_MEDIA_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
    r"(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(\"[^\"]*\"|[A-Za-z0-9!#$&^_.+-]+))*"
)


def is_one_line(value: str) -> bool:
    """No line break, tab or other control character, nor a bidi override: what a field that
    ends up in a header, a file name, a key or a listing may hold (issue 16 item 4)."""
    return not any(
        unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS for c in value
    )


@dataclass(frozen=True)
class ReadPackage:
    package: DocumentPackage | StatusPackage
    manifest: tuple[AttachmentInfo, ...]
    attachments: tuple[AttachmentDescriptor, ...]
    evidence: RawPackage
    """What the signature check needs (see ``signature.verify_package_signature``)."""

    @property
    def sender_agency_code(self) -> str:
        if isinstance(self.package, DocumentPackage):
            return self.package.message_header.sender.agency_code
        return self.package.sender.agency_code


class _Fields:
    """The edXML children of one element, read by name, each refusal naming its path."""

    def __init__(
        self,
        element: XmlElement,
        path: str,
        known_agency: KnownAgency | None,
        test_peer: KnownAgency | None = None,
    ) -> None:
        self.element = element
        self.path = path
        self._known_agency = known_agency
        self._test_peer = test_peer

    def is_agency(self, value: str) -> bool:
        """An agency code, or a test-environment code of a configured test peer."""
        if is_agency_code_syntax(value):
            return True
        return (
            self._test_peer is not None
            and is_test_environment_code(value)
            and self._test_peer(value)
        )

    def _path(self, name: str) -> str:
        return f"{self.path}/{name}" if self.path else name

    def _matching(self, names: tuple[str, ...]) -> list[XmlElement]:
        return [c for c in self.element.elements() if c.is_named(EDXML_NS, *names)]

    def child(self, *names: str) -> _Fields | None:
        found = self._matching(names)
        return (
            _Fields(found[0], self._path(names[0]), self._known_agency, self._test_peer)
            if found
            else None
        )

    def optional_block(self, *names: str) -> _Fields | None:
        """An optional-by-practice block (SignerInfo, StaffInfo, DocumentType, OtherInfo,
        ResponseFor, ...): one written with nothing in it reads as absent (ADR 0050)."""
        found = self.child(*names)
        return found if found is not None and _has_text(found.element) else None

    def required_child(self, *names: str) -> _Fields:
        found = self.child(*names)
        if found is None:
            raise MissingField(self._path(names[0]))
        return found

    def children(self, *names: str) -> list[_Fields]:
        found = self._matching(names)
        return [
            _Fields(element, f"{self._path(names[0])}[{i}]", self._known_agency, self._test_peer)
            for i, element in enumerate(found, start=1)
        ]

    def text(self, *names: str) -> str | None:
        found = self._matching(names)
        return (found[0].text() or None) if found else None

    def line(self, *names: str) -> str | None:
        """A header-like field (a code, an id, a name, a media type): one line, or refused."""
        value = self.text(*names)
        if value is not None and not is_one_line(value):
            raise MalformedField(self._path(names[0]), value, ONE_LINE)
        return value

    def required_line(self, *names: str) -> str:
        value = self.line(*names)
        if value is None:
            raise MissingField(self._path(names[0]))
        return value

    def media_type(self, name: str) -> str | None:
        value = self.line(name)
        if value is not None and not _MEDIA_TYPE.fullmatch(value):
            raise MalformedField(self._path(name), value, "a media type such as application/pdf")
        return value

    def required_text(self, *names: str) -> str:
        value = self.text(*names)
        if value is None:
            raise MissingField(self._path(names[0]))
        return value

    def texts(self, container: str, item: str) -> tuple[str, ...]:
        holder = self.child(container)
        if holder is None:
            return ()
        return tuple(t for t in (e.element.text() for e in holder.children(item)) if t)

    def lines(self, container: str, item: str) -> tuple[str, ...]:
        values = self.texts(container, item)
        for value in values:
            if not is_one_line(value):
                raise MalformedField(self._path(f"{container}/{item}"), value, ONE_LINE)
        return values

    def optional_date(self, name: str) -> date | None:
        value = self.text(name)
        return None if value is None else self._converted(name, value, parse_date, DATE_FORMATS)

    def required_date(self, name: str) -> date:
        return self._converted(name, self.required_text(name), parse_date, DATE_FORMATS)

    def required_timestamp(self, name: str) -> datetime:
        return self._converted(name, self.required_text(name), parse_timestamp, TIMESTAMP_FORMATS)

    def integer(self, name: str, allowed: range | None = None) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        expected = (
            f"a whole number in {allowed.start}..{allowed.stop - 1}" if allowed else "a number"
        )
        if not value.isascii() or not value.lstrip("-").isdigit():
            raise MalformedField(self._path(name), value, expected)
        number = int(value)
        if allowed is not None and number not in allowed:
            raise MalformedField(self._path(name), value, expected)
        return number

    def flag(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        spelled = value.lower()
        if spelled not in ("true", "false", "1", "0"):
            raise MalformedField(self._path(name), value, "true, false, 1 or 0")
        return spelled in ("true", "1")

    def agency_code(self, name: str = "OrganId", *, must_be_known: bool = False) -> str:
        value = self.required_text(name)
        self._check_agency(name, value, must_be_known)
        return value

    def _check_agency(self, name: str, value: str, must_be_known: bool) -> None:
        if not self.is_agency(value):
            expected = "an agency identifier code"
            if is_test_environment_code(value):
                expected += (
                    " (lower-case VDXP test-environment codes are read only from a peer "
                    "configured as a test-environment peer)"
                )
            raise MalformedField(self._path(name), value, expected)
        if must_be_known and self._known_agency is not None and not self._known_agency(value):
            raise UnknownAgency(self._path(name), value)

    def agency_codes(self, container: str, item: str = "OrganId") -> tuple[str, ...]:
        values = self.texts(container, item)
        for value in values:
            self._check_agency(f"{container}/{item}", value, must_be_known=False)
        return values

    def _converted(self, name: str, value: str, convert: Callable[[str], _T], expected: str) -> _T:
        try:
            return convert(value)
        except ValueError as error:
            raise MalformedField(self._path(name), value, expected) from error


def _has_text(element: XmlElement) -> bool:
    return bool(element.text()) or any(_has_text(child) for child in element.elements())


def _organization(fields: _Fields) -> Organization:
    return Organization(
        agency_code=fields.agency_code(must_be_known=True),
        organization_in_charge=fields.line("OrganizationInCharge"),
        name=fields.line("OrganName"),
        address=fields.line("OrganAdd"),
        email=fields.line("Email"),
        telephone=fields.line("Telephone"),
        fax=fields.line("Fax"),
        website=fields.line("Website"),
    )


def _response_for(fields: _Fields, *, must_be_known: bool) -> ResponseFor | None:
    if not _has_text(fields.element):
        return None  # senders write an empty ResponseFor when they answer nothing
    return ResponseFor(
        agency_code=fields.agency_code(must_be_known=must_be_known),
        code=fields.line("Code"),
        promulgation_date=fields.optional_date("PromulgationDate"),
        document_code=fields.line("DocumentId"),
    )


def _other_info(fields: _Fields | None) -> OtherInfo:
    if fields is None:
        return OtherInfo()
    urgency = fields.integer("Priority", range(0, 5))
    return OtherInfo(
        urgency=Urgency(urgency) if urgency is not None else Urgency.NORMAL,
        sphere_of_promulgation=fields.line("SphereOfPromulgation"),
        typer_notation=fields.line("TyperNotation"),
        promulgation_amount=fields.integer("PromulgationAmount", range(0, 10**9)),
        page_amount=fields.integer("PageAmount", range(0, 10**9)),
        direction=fields.flag("Direction"),
        appendixes=fields.lines("Appendixes", "Appendix"),
    )


def _message_header(fields: _Fields) -> MessageHeader:
    code = fields.required_child("Code")
    promulgation = fields.required_child("PromulgationInfo")
    document_type = fields.optional_block("DocumentType")
    signer = fields.optional_block("SignerInfo")
    recipients = fields.children("To")
    if not recipients:
        raise MissingField(f"{fields.path}/To")
    return MessageHeader(
        sender=_organization(fields.required_child("From")),
        recipients=tuple(_organization(recipient) for recipient in recipients),
        document_code=fields.required_line("DocumentId"),
        code=DocumentNumber(
            code_number=code.required_line("CodeNumber"),
            code_notation=code.required_line("CodeNotation"),
        ),
        promulgation=Promulgation(
            place=promulgation.line("Place"),
            promulgation_date=promulgation.required_date("PromulgationDate"),
        ),
        document_type=None
        if document_type is None
        else DocumentType(
            type_code=document_type.required_line("Type"),
            type_detail=document_type.line("TypeDetail"),
            type_name=document_type.line("TypeName"),
        ),
        subject=fields.required_text("Subject"),
        content=fields.text("Content"),
        signer=None
        if signer is None
        else SignerInfo(
            competence=signer.line("Competence"),
            position=signer.line("Position"),
            full_name=signer.required_line("FullName"),
        ),
        due_date=fields.optional_date("DueDate"),
        other_info=_other_info(fields.optional_block("OtherInfo")),
        response_for=tuple(
            answered
            for item in fields.children("ResponseFor")
            if (answered := _response_for(item, must_be_known=False)) is not None
        ),
        steering_type=fields.integer("SteeringType"),
        to_places=fields.lines("ToPlaces", "Place"),
    )


def _staff(fields: _Fields | None) -> StaffInfo | None:
    if fields is None:
        return None
    return StaffInfo(
        department=fields.line("Department"),
        staff=fields.line("Staff"),
        mobile=fields.line("Mobile"),
        email=fields.line("Email"),
    )


def _business_document_info(fields: _Fields | None) -> BusinessDocumentInfo | None:
    if fields is None:
        return None
    receivers = fields.child("ReceiverList")
    changes = []
    for receiver in receivers.children("Receiver") if receivers else []:
        kind = receiver.integer("ReceiverType", range(0, 2))
        if kind is None:
            raise MissingField(f"{receiver.path}/ReceiverType")
        changes.append(
            ReceiverChange(change=ReceiverChangeType(kind), agency_code=receiver.agency_code())
        )
    return BusinessDocumentInfo(
        document_info=fields.line("DocumentInfo"),
        document_receiver=fields.line("DocumentReceiver"),
        receiver_changes=tuple(changes),
    )


def _replacements(fields: _Fields | None) -> tuple[Replacement, ...]:
    if fields is None:
        return ()
    return tuple(
        Replacement(
            document_code=item.required_line("DocumentId"),
            agency_codes=item.agency_codes("OrganIdList"),
        )
        for item in fields.children("ReplacementInfo")
    )


def _business(fields: _Fields | None, own_document_code: str) -> Business:
    if fields is None:
        return Business()
    doc_type = fields.integer("BussinessDocType", range(0, 4))
    if doc_type is None:
        doc_type = fields.integer("BusinessDocType", range(0, 4))
    paper = fields.integer("Paper", range(0, 2))
    kind = BusinessDocType(doc_type or 0)
    replacements = _replacements(fields.optional_block("ReplacementInfoList"))
    written = fields.line("DocumentId")
    target = written
    if target is None and kind in (BusinessDocType.REVOKE, BusinessDocType.UPDATE):
        target = own_document_code  # the SDK's samples: the original's id in MessageHeader
    elif target is None and kind is BusinessDocType.REPLACE and replacements:
        target = replacements[0].document_code
    return Business(
        doc_type=kind,
        document_code=target,
        document_code_in_business=written is not None or kind is BusinessDocType.NEW,
        reason=fields.text("BussinessDocReason", "BusinessDocReason"),
        paper_copy_sent=paper == 1,
        staff=_staff(fields.optional_block("StaffInfo")),
        document_info=_business_document_info(
            fields.optional_block("BussinessDocumentInfo", "BusinessDocumentInfo")
        ),
        replacements=replacements,
    )


def _trace_header_list(fields: _Fields | None, own_document_code: str) -> TraceHeaderList:
    if fields is None:
        return TraceHeaderList()
    return TraceHeaderList(
        trace_headers=tuple(_trace_header(trace) for trace in fields.children("TraceHeader")),
        business=_business(fields.optional_block("Bussiness", "Business"), own_document_code),
    )


def _trace_header(fields: _Fields) -> TraceHeader:
    """A hop as it came: one without an agency code (missing, ``null``) is kept, incomplete."""
    organ_id = fields.line("OrganId")
    is_code = organ_id is not None and fields.is_agency(organ_id)
    return TraceHeader(
        agency_code=organ_id if is_code else None,
        written_organ_id=None if is_code else organ_id,
        timestamp=fields.required_timestamp("Timestamp"),
    )


def _status(fields: _Fields) -> StatusPackage:
    code_text = fields.required_text("StatusCode")
    if code_text not in StatusCode._value2member_map_:
        raise UnknownStatusCode(
            f"{fields.path}/StatusCode", code_text, "a known status code (01-06, 13, 15, 16)"
        )
    response_for = _response_for(fields.required_child("ResponseFor"), must_be_known=True)
    if response_for is None:
        raise MissingField(f"{fields.path}/ResponseFor/OrganId")
    recipient = fields.optional_block("To")
    return StatusPackage(
        sender=_organization(fields.required_child("From")),
        recipient=None if recipient is None else _organization(recipient),
        response_for=response_for,
        staff=_staff(fields.optional_block("StaffInfo")),
        status_code=StatusCode(code_text),
        description=fields.text("Description"),
        timestamp=fields.required_timestamp("Timestamp"),
    )


def _manifest(envelope: _Fields) -> tuple[AttachmentInfo, ...]:
    body = envelope.child("edXMLBody")
    manifest = body.child("edXMLManifest") if body else None
    if manifest is None:
        return ()
    return tuple(
        AttachmentInfo(
            content_id=reference.required_line("ContentId"),
            name=reference.required_line("AttachmentName"),
            content_type=reference.media_type("ContentType"),
            description=reference.text("Description"),
        )
        for reference in manifest.children("Reference")
    )


def content_id_key(content_id: str) -> str:
    """A ``ContentId`` without its ``cid:`` prefix: the manifest and the attachment may each
    write one or not (the VNPT library matches both ways, ADR 0050)."""
    return content_id[4:] if content_id[:4].lower() == "cid:" else content_id


def _attachment_descriptors(
    manifest: tuple[AttachmentInfo, ...], streamed: tuple[StreamedAttachment, ...]
) -> tuple[AttachmentDescriptor, ...]:
    listed = {content_id_key(info.content_id): info for info in manifest}
    if len(listed) != len(manifest):
        raise MalformedAttachment("edXMLManifest lists the same ContentId twice")
    descriptors = [_described(attachment, listed) for attachment in streamed]
    carried = {content_id_key(descriptor.content_id) for descriptor in descriptors}
    if len(carried) != len(descriptors):
        raise MalformedAttachment("AttachmentEncoded carries the same ContentId twice")
    for key in listed.keys() - carried:
        raise MalformedAttachment(
            f"edXMLManifest lists {listed[key].content_id} but the package carries no such "
            "attachment"
        )
    return tuple(descriptors)


def _described(
    attachment: StreamedAttachment, listed: dict[str, AttachmentInfo]
) -> AttachmentDescriptor:
    where = f"AttachmentEncoded/Attachment[{attachment.index + 1}]"
    info = listed.get(content_id_key(attachment.content_id))
    if info is None:
        raise MalformedAttachment(f"{where} {attachment.content_id} is not in edXMLManifest")
    if attachment.name is not None and attachment.name != info.name:
        raise MalformedAttachment(
            f"{where}/AttachmentName {attachment.name!r} differs from the manifest's {info.name!r}"
        )
    # ContentType may differ (the original type in the manifest, application/zip on a zipped
    # attachment) or be missing on either side: both are recorded, neither refuses.
    carried_type = attachment.content_type
    if carried_type is not None and not (
        is_one_line(carried_type) and _MEDIA_TYPE.fullmatch(carried_type)
    ):
        raise MalformedField(
            f"{where}/ContentType", carried_type, "a media type such as application/pdf"
        )
    return AttachmentDescriptor(
        content_id=attachment.content_id,
        name=info.name,
        content_type=attachment.content_type or info.content_type or "application/octet-stream",
        manifest_content_type=info.content_type,
        attachment_content_type=attachment.content_type,
        description=attachment.description or info.description,
        size=attachment.size,
        sha256=attachment.sha256,
    )


def _package(header: _Fields) -> DocumentPackage | StatusPackage:
    status = header.child("Status")
    if status is not None:
        return _status(status)
    message = header.required_child("MessageHeader")
    if message.child("StatusCode") is not None:
        return _status(message)  # some implementations put status fields in MessageHeader
    message_header = _message_header(message)
    return DocumentPackage(
        message_header=message_header,
        trace_header_list=_trace_header_list(
            header.child("TraceHeaderList"), message_header.document_code
        ),
    )


def _interpret(
    raw: RawPackage, known_agency: KnownAgency | None, test_peer: KnownAgency | None
) -> ReadPackage:
    root = raw.root
    if not root.is_named(EDXML_NS, "edXML"):
        raise NotAnEdxmlPackage(
            f"the root element is {root.local!r} in namespace {root.namespace!r}, "
            f"not edXML in {EDXML_NS}"
        )
    envelope = _Fields(root, "", known_agency, test_peer).required_child("edXMLEnvelope")
    header = envelope.required_child("edXMLHeader")
    try:
        # Refusals name fields from inside the header ("MessageHeader/From/OrganId").
        package = _package(_Fields(header.element, "", known_agency, test_peer))
        manifest = _manifest(_Fields(envelope.element, "", known_agency, test_peer))
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidPackage(f"the package breaks a rule: {first['msg']}") from error
    return ReadPackage(
        package=package,
        manifest=manifest,
        attachments=_attachment_descriptors(manifest, raw.attachments),
        evidence=raw,
    )


def read_package(
    source: BinaryIO,
    open_sink: AttachmentSinkOpener | None = None,
    *,
    known_agency: KnownAgency | None = None,
    test_environment_peer: KnownAgency | None = None,
    limits: ReadLimits | None = None,
) -> ReadPackage:
    """Reads a document or status package from ``source`` (a binary file-like object).

    ``open_sink(start)`` is called when an attachment's content begins and returns the binary
    writer that receives its decoded bytes; without it, attachments are measured and dropped.
    ``known_agency(code)`` decides whether sender and recipient agency codes are acceptable.
    ``test_environment_peer(code)`` says whether a lower-case VDXP test-environment code
    (``vxp.saas.03``) is one of a configured test peer (or ours there); without it, or when it
    says no, such a code is refused like any other that is not an agency code.
    Raises a ``PackageRejected`` subclass; after that, discard what the sinks received.
    """
    raw = read_xml_stream(source, open_sink, limits or ReadLimits())
    try:
        return _interpret(raw, known_agency, test_environment_peer)
    except PackageRejected as rejection:
        rejection.discard_content_ids = tuple(a.content_id for a in raw.attachments)
        raise
