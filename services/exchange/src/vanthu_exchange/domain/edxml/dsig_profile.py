"""The XML-DSig shapes this service writes and accepts, read off a parsed ``Signature``.

Written (``PROFILE``): an enveloped signature inside ``edXMLHeader`` whose SignedInfo has

1. ``Reference URI=""`` with transforms enveloped-signature, XPath Filter 2.0 *subtract*
   ``//edXML:AttachmentEncoded`` and exclusive C14N: it covers the whole package except the
   attachments' base64 and the signature itself;
2. ``Reference URI="#edxml-attachments"`` (Type ds:Manifest) to a ``ds:Object/ds:Manifest`` inside
   the signature holding one ``Reference URI="cid:…"`` per attachment with the SHA-256 of the
   attachment's decoded bytes.

Why: the base64 sits outside the envelope and can be hundreds of megabytes. Excluding it from
reference 1 lets a signer digest the envelope from a few kilobytes and a verifier check it
without re-reading anything; the ds:Manifest binds each attachment's bytes through a digest the
reader computes anyway while decoding. XML-DSig leaves ds:Manifest references to the
application, so generic verifiers still validate SignedInfo, and this service checks every
attachment. The manifest's ``edXML:Reference`` (name, type) is inside reference 1, and the
reader requires each attachment to match it, so renaming an attachment breaks the signature too.

Accepted besides (legacy senders, e.g. the hub's SDK): a single ``Reference URI=""`` with the
enveloped-signature transform, optionally followed by (exclusive) C14N, digested with SHA-1 or
SHA-256 over the whole package including the base64; the reader digests that while streaming.
"""

from __future__ import annotations

from dataclasses import dataclass

from vanthu_exchange.domain.edxml.canonical import C14nMode
from vanthu_exchange.domain.edxml.namespaces import (
    C14N_EXCLUSIVE,
    C14N_EXCLUSIVE_LEGACY,
    C14N_INCLUSIVE,
    DIGEST_SHA1,
    DIGEST_SHA256,
    DSIG_FILTER2_NS,
    DSIG_NS,
    EDXML_NS,
    TRANSFORM_ENVELOPED,
    TRANSFORM_FILTER2,
)
from vanthu_exchange.domain.edxml.xml_tree import XmlElement

ATTACHMENT_MANIFEST_ID = "edxml-attachments"
ATTACHMENT_FILTER_XPATH = "//edXML:AttachmentEncoded"

DIGEST_HASH_NAMES = {DIGEST_SHA256: "sha256", DIGEST_SHA1: "sha1"}
C14N_MODES = {
    C14N_EXCLUSIVE: C14nMode.EXCLUSIVE,
    C14N_EXCLUSIVE_LEGACY: C14nMode.EXCLUSIVE,
    C14N_INCLUSIVE: C14nMode.INCLUSIVE,
}


@dataclass(frozen=True)
class ReferenceView:
    uri: str | None
    type: str | None
    transforms: tuple[XmlElement, ...]
    digest_method: str | None
    digest_value: str | None

    @property
    def transform_algorithms(self) -> tuple[str | None, ...]:
        return tuple(transform.attribute("Algorithm") for transform in self.transforms)


@dataclass(frozen=True)
class SignatureView:
    element: XmlElement
    signed_info: XmlElement | None
    canonicalization_method: str | None
    signature_method: str | None
    references: tuple[ReferenceView, ...]
    signature_value: str | None
    certificates: tuple[str, ...]
    """Base64 DER of each ``KeyInfo/X509Data/X509Certificate``."""


@dataclass(frozen=True)
class WholeDocumentPlan:
    """How to digest the whole package for a legacy ``Reference URI=""``."""

    mode: C14nMode
    hash_name: str


def _dsig_child(element: XmlElement | None, local: str) -> XmlElement | None:
    if element is None:
        return None
    return next((c for c in element.elements() if c.is_named(DSIG_NS, local)), None)


def _dsig_children(element: XmlElement | None, local: str) -> tuple[XmlElement, ...]:
    if element is None:
        return ()
    return tuple(c for c in element.elements() if c.is_named(DSIG_NS, local))


def _algorithm(element: XmlElement | None, local: str) -> str | None:
    child = _dsig_child(element, local)
    return child.attribute("Algorithm") if child is not None else None


def _text(element: XmlElement | None) -> str | None:
    return element.text() if element is not None else None


def read_reference(element: XmlElement) -> ReferenceView:
    return ReferenceView(
        uri=element.attribute("URI"),
        type=element.attribute("Type"),
        transforms=_dsig_children(_dsig_child(element, "Transforms"), "Transform"),
        digest_method=_algorithm(element, "DigestMethod"),
        digest_value=_text(_dsig_child(element, "DigestValue")),
    )


def read_signature(element: XmlElement) -> SignatureView:
    signed_info = _dsig_child(element, "SignedInfo")
    key_data = _dsig_children(_dsig_child(element, "KeyInfo"), "X509Data")
    certificates = tuple(
        "".join(certificate.text().split())
        for data in key_data
        for certificate in _dsig_children(data, "X509Certificate")
    )
    return SignatureView(
        element=element,
        signed_info=signed_info,
        canonicalization_method=_algorithm(signed_info, "CanonicalizationMethod"),
        signature_method=_algorithm(signed_info, "SignatureMethod"),
        references=tuple(read_reference(r) for r in _dsig_children(signed_info, "Reference")),
        signature_value=_text(_dsig_child(element, "SignatureValue")),
        certificates=certificates,
    )


def is_attachment_filter(transform: XmlElement) -> bool:
    """Whether ``transform`` is exactly the profile's XPath Filter 2.0 subtraction."""
    if transform.attribute("Algorithm") != TRANSFORM_FILTER2:
        return False
    xpaths = [c for c in transform.elements() if c.is_named(DSIG_FILTER2_NS, "XPath")]
    if len(xpaths) != 1 or len(list(transform.elements())) != 1:
        return False
    xpath = xpaths[0]
    return (
        xpath.attribute("Filter") == "subtract"
        and xpath.text() == ATTACHMENT_FILTER_XPATH
        and xpath.in_scope_namespaces().get("edXML") == EDXML_NS
    )


def whole_document_plan(reference: ReferenceView) -> WholeDocumentPlan | None:
    """The legacy digest a ``URI=""`` reference asks for, or ``None`` if it is not legacy."""
    hash_name = DIGEST_HASH_NAMES.get(reference.digest_method or "")
    if reference.uri != "" or hash_name is None:
        return None
    algorithms = reference.transform_algorithms
    if not algorithms or algorithms[0] != TRANSFORM_ENVELOPED or len(algorithms) > 2:
        return None
    if len(algorithms) == 1:
        return WholeDocumentPlan(C14nMode.INCLUSIVE, hash_name)
    mode = C14N_MODES.get(algorithms[1] or "")
    return WholeDocumentPlan(mode, hash_name) if mode is not None else None


def document_reference(view: SignatureView) -> ReferenceView | None:
    return next((r for r in view.references if r.uri == ""), None)
