"""One hardened, streaming pass over a package's bytes.

Built on the standard library's expat parser rather than a tree parser, because

* expat hands character data over in pieces, so an attachment's base64 goes straight to a
  decoder and a sink and is never held whole (a tree parser holds each text node whole);
* expat reports prefixes as written, which canonical XML (and so signatures) depends on;
* every DTD hook can be made to refuse: a DOCTYPE, entity declaration or external entity
  stops the read (the approach of defusedxml, here with the DTD forbidden outright, since
  edXML never uses one). References to undefined entities are errors in expat anyway.

Besides attachments, the pass keeps a small tree of everything else (limited in size, depth
and count) and canonicalises the package on the fly for signature checks (see dsig_profile).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn, Protocol
from xml.parsers import expat

from vanthu_exchange.domain.edxml.attachment_stream import Base64Decoder, ContentMeter
from vanthu_exchange.domain.edxml.canonical import C14nMode, CanonicalWriter
from vanthu_exchange.domain.edxml.dsig_profile import (
    document_reference,
    read_signature,
    whole_document_plan,
)
from vanthu_exchange.domain.edxml.namespaces import DSIG_NS, EDXML_NS
from vanthu_exchange.domain.edxml.rejections import (
    MalformedAttachment,
    MalformedXml,
    MissingField,
    PackageRejected,
    PackageTooLarge,
    UnsafeXml,
)
from vanthu_exchange.domain.edxml.xml_tree import (
    ProcessingInstruction,
    XmlAttribute,
    XmlElement,
)

READ_BLOCK_BYTES = 64 * 1024
_ATTACHMENT_METADATA = ("ContentId", "AttachmentName", "Description", "ContentType")


@dataclass(frozen=True)
class ReadLimits:
    max_package_bytes: int = 256 * 1024 * 1024
    """Raw bytes of the whole package, attachments included; checked as bytes arrive."""
    max_envelope_bytes: int = 4 * 1024 * 1024
    """Markup and text outside attachment content: the header cannot smuggle bulk data."""
    max_depth: int = 40
    max_elements: int = 20_000
    max_attachments: int = 500


@dataclass(frozen=True)
class AttachmentStart:
    """What is known about an attachment when its content begins (the sink's name for it)."""

    index: int
    content_id: str | None
    name: str | None
    content_type: str | None


class BinarySink(Protocol):
    """Where an attachment's decoded bytes go: a file, an upload stream, a hashing writer."""

    def write(self, data: bytes, /) -> object: ...


AttachmentSinkOpener = Callable[[AttachmentStart], BinarySink]


@dataclass(frozen=True)
class StreamedAttachment:
    index: int
    content_id: str
    name: str | None
    content_type: str | None
    description: str | None
    size: int
    sha256: str


class _DeferredDigest:
    """Canonical bytes kept while small, then hashed or dropped once the signature is known."""

    def __init__(self) -> None:
        self._buffer: bytearray | None = bytearray()
        self._hash: hashlib._Hash | None = None

    def write(self, data: bytes) -> None:
        if self._hash is not None:
            self._hash.update(data)
        elif self._buffer is not None:
            self._buffer.extend(data)

    def commit(self, hash_name: str) -> None:
        if self._buffer is not None:
            self._hash = hashlib.new(hash_name, self._buffer)
            self._buffer = None

    def abandon(self) -> None:
        self._buffer = None
        self._hash = None

    def digest(self, hash_name: str) -> bytes | None:
        if self._buffer is not None:
            return hashlib.new(hash_name, self._buffer).digest()
        if self._hash is not None and self._hash.name == hash_name:
            return self._hash.digest()
        return None


class _SkippingStream:
    """A canonical writer that leaves out chosen subtrees (enveloped signature, attachments)."""

    def __init__(
        self,
        emit: Callable[[bytes], None],
        mode: C14nMode,
        skip: Callable[[XmlElement, bool], bool],
    ) -> None:
        self._writer = CanonicalWriter(emit, mode)
        self._skip = skip
        self._skipping = 0
        self.active = True

    def start(self, element: XmlElement, is_envelope_signature: bool) -> None:
        if self._skipping or self._skip(element, is_envelope_signature):
            self._skipping += 1
        elif self.active:
            self._writer.start(element)

    def end(self) -> None:
        if self._skipping:
            self._skipping -= 1
        elif self.active:
            self._writer.end()

    def text(self, data: str) -> None:
        if self.active and not self._skipping:
            self._writer.text(data)

    def processing_instruction(self, instruction: ProcessingInstruction) -> None:
        if self.active and not self._skipping:
            self._writer.processing_instruction(instruction)


def _is_attachment_zone(element: XmlElement) -> bool:
    return element.is_named(EDXML_NS, "AttachmentEncoded")


@dataclass
class CanonicalEvidence:
    """Canonical forms of the package, as the signature check will need them."""

    envelope: bytearray = field(default_factory=bytearray)
    """Exclusive C14N without the enveloped signature and without AttachmentEncoded."""
    whole_exclusive: _DeferredDigest = field(default_factory=_DeferredDigest)
    whole_inclusive: _DeferredDigest = field(default_factory=_DeferredDigest)

    def whole_document_digest(self, mode: C14nMode, hash_name: str) -> bytes | None:
        source = self.whole_exclusive if mode is C14nMode.EXCLUSIVE else self.whole_inclusive
        return source.digest(hash_name)


@dataclass(frozen=True)
class RawPackage:
    root: XmlElement
    """Everything except AttachmentEncoded, as written."""
    signature: XmlElement | None
    """The XML-DSig ``Signature`` directly inside ``edXMLHeader``, if any."""
    attachments: tuple[StreamedAttachment, ...]
    attachments_inside_envelope: bool
    canonical: CanonicalEvidence


class _Attachment:
    def __init__(self, index: int) -> None:
        self.index = index
        self.metadata: dict[str, str] = {}
        self.capturing: str | None = None
        self.captured: list[str] = []
        self.decoder: Base64Decoder | None = None
        self.content: ContentMeter | None = None
        self.content_seen = False

    @property
    def field(self) -> str:
        return f"AttachmentEncoded/Attachment[{self.index + 1}]"


class _DiscardingSink:
    def write(self, data: bytes, /) -> int:
        return len(data)


def _discarding_sink(_: AttachmentStart) -> BinarySink:
    return _DiscardingSink()


class _Reader:
    def __init__(self, open_sink: AttachmentSinkOpener | None, limits: ReadLimits) -> None:
        self._open_sink = open_sink or _discarding_sink
        self._limits = limits
        self._parser = self._hardened_parser()
        self._pending_declarations: list[tuple[str | None, str]] = []
        self._stack: list[XmlElement] = []
        self._root: XmlElement | None = None
        self._signature: XmlElement | None = None
        self._envelope_budget = limits.max_envelope_bytes
        self._elements = 0
        self._zone_depth = 0
        self._zone_inside_envelope = False
        self._zone_seen = False
        self._attachment: _Attachment | None = None
        self._attachments: list[StreamedAttachment] = []
        self._opened: list[str] = []
        self.canonical = CanonicalEvidence()
        self._streams = (
            _SkippingStream(
                self.canonical.envelope.extend,
                C14nMode.EXCLUSIVE,
                lambda element, signature: signature or _is_attachment_zone(element),
            ),
            _SkippingStream(
                self.canonical.whole_exclusive.write,
                C14nMode.EXCLUSIVE,
                lambda _, signature: signature,
            ),
            _SkippingStream(
                self.canonical.whole_inclusive.write,
                C14nMode.INCLUSIVE,
                lambda _, signature: signature,
            ),
        )

    def _hardened_parser(self) -> expat.XMLParserType:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.namespace_prefixes = True
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.buffer_size = READ_BLOCK_BYTES
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.UnparsedEntityDeclHandler = self._refuse_entity
        parser.ExternalEntityRefHandler = self._refuse_external_entity
        parser.StartNamespaceDeclHandler = self._namespace_declared
        parser.StartElementHandler = self._element_started
        parser.EndElementHandler = self._element_ended
        parser.CharacterDataHandler = self._character_data
        parser.ProcessingInstructionHandler = self._processing_instruction
        parser.CommentHandler = self._comment
        return parser

    # -- reading ---------------------------------------------------------------------------

    def read(self, source: BinaryIO) -> RawPackage:
        total = 0
        try:
            while block := source.read(READ_BLOCK_BYTES):
                total += len(block)
                if total > self._limits.max_package_bytes:
                    raise PackageTooLarge(
                        f"the package exceeds the limit of {self._limits.max_package_bytes} bytes"
                    )
                self._parser.Parse(block, False)
            self._parser.Parse(b"", True)
        except expat.ExpatError as error:
            rejection = MalformedXml(f"the package is not well-formed XML: {error}")
            rejection.discard_content_ids = tuple(self._opened)
            raise rejection from error
        except PackageRejected as rejection:
            rejection.discard_content_ids = tuple(self._opened)
            raise
        if self._root is None:
            raise MalformedXml("the package has no root element")
        return RawPackage(
            root=self._root,
            signature=self._signature,
            attachments=tuple(self._attachments),
            attachments_inside_envelope=self._zone_inside_envelope,
            canonical=self.canonical,
        )

    # -- hostile constructs --------------------------------------------------------------

    def _refuse_doctype(self, *_: object) -> NoReturn:
        raise UnsafeXml(
            "DOCTYPE declarations are refused: edXML needs none, and they carry entity "
            "expansion and external-entity attacks"
        )

    def _refuse_entity(self, name: str, *_: object) -> NoReturn:
        raise UnsafeXml(f"entity declarations are refused (entity {name!r})")

    def _refuse_external_entity(self, *_: object) -> NoReturn:
        raise UnsafeXml("external entities are refused")

    def _spend(self, amount: int) -> None:
        self._envelope_budget -= amount
        if self._envelope_budget < 0:
            raise PackageTooLarge(
                "the package's markup and text outside attachments exceed "
                f"{self._limits.max_envelope_bytes} bytes"
            )

    # -- events ----------------------------------------------------------------------------

    def _namespace_declared(self, prefix: str | None, uri: str | None) -> None:
        self._pending_declarations.append((prefix or None, uri or ""))

    def _element_started(self, name: str, attributes: list[str]) -> None:
        parent = self._stack[-1] if self._stack else None
        element = XmlElement(
            *_split_name(name),
            attributes=tuple(
                XmlAttribute(*_split_name(attributes[i]), value=attributes[i + 1])
                for i in range(0, len(attributes), 2)
            ),
            declarations=tuple(self._pending_declarations),
            parent=parent,
        )
        self._pending_declarations = []
        self._count_element(name, attributes)
        is_envelope_signature = (
            self._signature is None
            and parent is not None
            and parent.is_named(EDXML_NS, "edXMLHeader")
            and element.is_named(DSIG_NS, "Signature")
        )
        if is_envelope_signature:
            self._signature = element
        if self._zone_depth:
            self._zone_depth += 1
            self._attachment_element_started(element)
        elif _is_attachment_zone(element):
            self._enter_attachment_zone(parent)
        elif _looks_like_attachments(element):
            # A container we do not know (edXMLAttachments, an unqualified AttachmentEncoded):
            # reading on would drop its files silently (issue 13 item 10).
            raise MalformedAttachment(
                f"{_where(parent, element)} is not where edXML carries attachments "
                f"(AttachmentEncoded/Attachment in {EDXML_NS}): its files cannot be read"
            )
        elif parent is None:
            self._root = element
        else:
            parent.children.append(element)
        for stream in self._streams:
            stream.start(element, is_envelope_signature)
        self._stack.append(element)

    def _count_element(self, name: str, attributes: list[str]) -> None:
        self._elements += 1
        if self._elements > self._limits.max_elements:
            raise PackageTooLarge(f"the package has more than {self._limits.max_elements} elements")
        if len(self._stack) >= self._limits.max_depth:
            raise MalformedXml(f"the package nests elements deeper than {self._limits.max_depth}")
        self._spend(len(name) + sum(len(a) for a in attributes))

    def _element_ended(self, _: str) -> None:
        element = self._stack.pop()
        if self._zone_depth:
            self._attachment_element_ended(element)
            self._zone_depth -= 1
        for stream in self._streams:
            stream.end()

    def _character_data(self, data: str) -> None:
        attachment = self._attachment
        if attachment is not None and attachment.decoder is not None:
            attachment.decoder.feed(data)
        else:
            self._spend(len(data))
            if attachment is not None and attachment.capturing is not None:
                attachment.captured.append(data)
            elif not self._zone_depth and self._stack:
                self._stack[-1].append_text(data)
        for stream in self._streams:
            stream.text(data)

    def _processing_instruction(self, target: str, data: str) -> None:
        self._spend(len(target) + len(data))
        instruction = ProcessingInstruction(target, data)
        if self._stack and not self._zone_depth:
            self._stack[-1].children.append(instruction)
        for stream in self._streams:
            stream.processing_instruction(instruction)

    def _comment(self, data: str) -> None:
        self._spend(len(data))

    # -- attachments -------------------------------------------------------------------------

    def _enter_attachment_zone(self, parent: XmlElement | None) -> None:
        self._zone_depth = 1
        self._zone_inside_envelope = self._zone_inside_envelope or (
            parent is not None and parent.is_named(EDXML_NS, "edXMLEnvelope", "edXMLBody")
        )
        if not self._zone_seen:
            self._zone_seen = True
            self._plan_whole_document_digests()

    def _plan_whole_document_digests(self) -> None:
        # The signature precedes the attachments, so from here on at most one whole-package
        # digest is still needed; keeping none spares hashing hundreds of megabytes.
        plan = None
        if self._signature is not None and self._signature not in self._stack:
            reference = document_reference(read_signature(self._signature))
            plan = whole_document_plan(reference) if reference is not None else None
        for mode, digest, stream in (
            (C14nMode.EXCLUSIVE, self.canonical.whole_exclusive, self._streams[1]),
            (C14nMode.INCLUSIVE, self.canonical.whole_inclusive, self._streams[2]),
        ):
            if plan is not None and plan.mode is mode:
                digest.commit(plan.hash_name)
            else:
                digest.abandon()
                stream.active = False

    def _attachment_element_started(self, element: XmlElement) -> None:
        if self._zone_depth == 2 and not element.is_named(EDXML_NS, "Attachment"):
            raise MalformedAttachment(
                f"AttachmentEncoded holds {element.qname} in {element.namespace!r}, not an edXML "
                "Attachment: its content cannot be read"
            )
        if self._zone_depth == 2:
            if len(self._attachments) >= self._limits.max_attachments:
                raise PackageTooLarge(
                    f"the package has more than {self._limits.max_attachments} attachments"
                )
            self._attachment = _Attachment(len(self._attachments))
            return
        attachment = self._attachment
        if attachment is None or self._zone_depth != 3 or element.namespace != EDXML_NS:
            return
        if element.local in _ATTACHMENT_METADATA:
            attachment.capturing = element.local
            attachment.captured = []
        elif element.local == "ContentTransferEncoded":
            self._open_content(attachment)

    def _open_content(self, attachment: _Attachment) -> None:
        if attachment.content_seen:
            raise MalformedXml(f"{attachment.field} has more than one ContentTransferEncoded")
        attachment.content_seen = True
        start = AttachmentStart(
            index=attachment.index,
            content_id=attachment.metadata.get("ContentId"),
            name=attachment.metadata.get("AttachmentName"),
            content_type=attachment.metadata.get("ContentType"),
        )
        sink = self._open_sink(start)
        self._opened.append(start.content_id or f"#{attachment.index + 1}")
        attachment.decoder = Base64Decoder(sink, f"{attachment.field}/ContentTransferEncoded")

    def _attachment_element_ended(self, element: XmlElement) -> None:
        attachment = self._attachment
        if attachment is None:
            return
        if self._zone_depth == 3 and attachment.decoder is not None:
            attachment.content = attachment.decoder.finish()
            attachment.decoder = None
        elif self._zone_depth == 3 and attachment.capturing is not None:
            attachment.metadata[attachment.capturing] = "".join(attachment.captured).strip()
            attachment.capturing = None
        elif self._zone_depth == 2 and element.is_named(EDXML_NS, "Attachment"):
            self._attachments.append(_finished(attachment))
            self._attachment = None


def _finished(attachment: _Attachment) -> StreamedAttachment:
    metadata = attachment.metadata
    if not metadata.get("ContentId"):
        raise MissingField(f"{attachment.field}/ContentId")
    if attachment.content is None:
        raise MissingField(f"{attachment.field}/ContentTransferEncoded")
    return StreamedAttachment(
        index=attachment.index,
        content_id=metadata["ContentId"],
        name=metadata.get("AttachmentName") or None,
        content_type=metadata.get("ContentType") or None,
        description=metadata.get("Description") or None,
        size=attachment.content.size,
        sha256=attachment.content.sha256_hex,
    )


_ATTACHMENT_LIKE = ("AttachmentEncoded", "Attachment", "ContentTransferEncoded")


def _looks_like_attachments(element: XmlElement) -> bool:
    """An attachment element outside ``AttachmentEncoded``, or one outside the edXML namespace."""
    return element.local in _ATTACHMENT_LIKE or element.local.endswith("Attachments")


def _where(parent: XmlElement | None, element: XmlElement) -> str:
    return f"{parent.qname}/{element.qname}" if parent is not None else element.qname


def _split_name(name: str) -> tuple[str | None, str, str | None]:
    """expat's ``uri local [prefix]`` (or bare ``local``) as (namespace, local, prefix)."""
    parts = name.split(" ")
    if len(parts) == 1:
        return None, parts[0], None
    if len(parts) == 2:
        return parts[0], parts[1], None
    return parts[0], parts[1], parts[2]


def read_xml_stream(
    source: BinaryIO, open_sink: AttachmentSinkOpener | None, limits: ReadLimits
) -> RawPackage:
    """Reads ``source`` once; raises ``PackageRejected`` for unsafe, malformed or huge input."""
    return _Reader(open_sink, limits).read(source)
