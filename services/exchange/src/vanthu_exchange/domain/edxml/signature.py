"""XML-DSig on edXML packages: signing while building, verifying after reading.

The scheme (what is signed, and why attachments are covered through a ds:Manifest of SHA-256
digests rather than inside the main reference) is described in ``dsig_profile``. Keys are per
agency: a package is valid only if it verifies with a certificate the caller's trust lookup
registers for the package's sender (``From/OrganId``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from vanthu_exchange.domain.edxml.canonical import canonicalize_subtree
from vanthu_exchange.domain.edxml.dsig_profile import (
    ATTACHMENT_FILTER_XPATH,
    ATTACHMENT_MANIFEST_ID,
    C14N_MODES,
    DIGEST_HASH_NAMES,
    ReferenceView,
    SignatureView,
    document_reference,
    is_attachment_filter,
    read_reference,
    read_signature,
    whole_document_plan,
)
from vanthu_exchange.domain.edxml.models import AttachmentDescriptor
from vanthu_exchange.domain.edxml.namespaces import (
    C14N_EXCLUSIVE,
    C14N_INCLUSIVE,
    DIGEST_SHA1,
    DIGEST_SHA256,
    DSIG_FILTER2_NS,
    DSIG_MANIFEST_TYPE,
    DSIG_NS,
    EDXML_NS,
    EDXML_PREFIX,
    RSA_SHA1,
    RSA_SHA256,
    TRANSFORM_ENVELOPED,
    TRANSFORM_FILTER2,
)
from vanthu_exchange.domain.edxml.parser import ReadPackage
from vanthu_exchange.domain.edxml.rejections import PackageBuildError
from vanthu_exchange.domain.edxml.xml_tree import XmlElement

TrustedCertificates = Callable[[str], Sequence[x509.Certificate]]
"""Agency code -> the certificates registered for that agency's package signing keys."""

_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    RSA_SHA256: hashes.SHA256,
    RSA_SHA1: hashes.SHA1,
}


def _ds(local: str) -> str:
    return f"{{{DSIG_NS}}}{local}"


def _ds_child(parent: etree._Element, path: str) -> etree._Element:
    """The element at ``path`` (dsig local names joined by '/') under ``parent``."""
    found = parent.find("/".join(_ds(local) for local in path.split("/")))
    if found is None:
        raise LookupError(f"the signature template has no {path}")
    return found


def content_id_uri(content_id: str) -> str:
    """The ``cid:`` URI of an attachment (edXML ContentIds often already start with it)."""
    return content_id if content_id.startswith("cid:") else f"cid:{content_id}"


# -- signing -------------------------------------------------------------------------------


RawAlgorithm = Literal["rsa-sha256", "rsa-sha1"]
"""RSA PKCS#1 v1.5 over SHA-256 (ours), or over SHA-1 (the SDK's profile)."""


class PackageKey(Protocol):
    """Where an agency's package key signs: in memory (dev, tests: `InMemoryKey`) or in a
    PKCS#11 token, the key never leaving it (`signing_keys.TokenKey`). Called from the thread
    that writes the package, so synchronous."""

    def sign(self, data: bytes, algorithm: RawAlgorithm) -> bytes:
        """The bare PKCS#1 v1.5 signature of ``data`` (the key's side hashes it)."""
        ...


@dataclass(frozen=True)
class InMemoryKey:
    """A private key held by the process (the connector's Mongo keeps it: dev and tests only)."""

    private_key: rsa.RSAPrivateKey

    def sign(self, data: bytes, algorithm: RawAlgorithm) -> bytes:
        digest = hashes.SHA1() if algorithm == "rsa-sha1" else hashes.SHA256()  # noqa: S303 - the SDK's profile, for peers configured to use it
        return self.private_key.sign(data, padding.PKCS1v15(), digest)


@dataclass(frozen=True)
class PackageSigner:
    """An agency's package-signing key and the certificate that publishes its public half."""

    key: PackageKey
    certificate: x509.Certificate

    @classmethod
    def from_private_key(
        cls, private_key: rsa.RSAPrivateKey, certificate: x509.Certificate
    ) -> PackageSigner:
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        certified_der = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if public_der != certified_der:
            raise PackageBuildError("the signing key does not belong to the certificate")
        return cls(InMemoryKey(private_key), certificate)


def _reference(
    parent: etree._Element, uri: str, transforms: Sequence[str], type_: str | None = None
) -> etree._Element:
    reference = etree.SubElement(parent, _ds("Reference"), URI=uri)
    if type_ is not None:
        reference.set("Type", type_)
    if transforms:
        holder = etree.SubElement(reference, _ds("Transforms"))
        for algorithm in transforms:
            transform = etree.SubElement(holder, _ds("Transform"), Algorithm=algorithm)
            if algorithm == TRANSFORM_FILTER2:
                xpath = etree.SubElement(
                    transform,
                    f"{{{DSIG_FILTER2_NS}}}XPath",
                    nsmap={None: DSIG_FILTER2_NS, EDXML_PREFIX: EDXML_NS},
                    Filter="subtract",
                )
                xpath.text = ATTACHMENT_FILTER_XPATH
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=DIGEST_SHA256)
    etree.SubElement(reference, _ds("DigestValue"))
    return reference


def signature_template(
    signer: PackageSigner, attachment_digests: Sequence[tuple[str, bytes]]
) -> etree._Element:
    """A ``ds:Signature`` with every digest of the attachments filled and the rest blank.

    ``attachment_digests`` holds (ContentId, SHA-256 of the decoded bytes) per attachment.
    """
    signature = etree.Element(_ds("Signature"), nsmap={None: DSIG_NS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N_EXCLUSIVE)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA256)
    _reference(signed_info, "", (TRANSFORM_ENVELOPED, TRANSFORM_FILTER2, C14N_EXCLUSIVE))
    _reference(
        signed_info, f"#{ATTACHMENT_MANIFEST_ID}", (C14N_EXCLUSIVE,), type_=DSIG_MANIFEST_TYPE
    )
    etree.SubElement(signature, _ds("SignatureValue"))
    x509_data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    etree.SubElement(
        x509_data, _ds("X509SubjectName")
    ).text = signer.certificate.subject.rfc4514_string()
    etree.SubElement(x509_data, _ds("X509Certificate")).text = base64.b64encode(
        signer.certificate.public_bytes(serialization.Encoding.DER)
    ).decode("ascii")
    manifest = etree.SubElement(
        etree.SubElement(signature, _ds("Object")), _ds("Manifest"), Id=ATTACHMENT_MANIFEST_ID
    )
    for content_id, digest in attachment_digests:
        reference = _reference(manifest, content_id_uri(content_id), ())
        _ds_child(reference, "DigestValue").text = base64.b64encode(digest).decode("ascii")
    return signature


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _exclusive_c14n(element: etree._Element) -> bytes:
    """Exclusive C14N of ``element``'s subtree, computed on a standalone copy of it.

    libxml2 canonicalises whole documents reliably but, through lxml, can render spurious
    ``xmlns=""`` on descendants of a non-root element. Exclusive C14N depends only on the
    namespaces a subtree uses, which its serialisation declares, so a re-parsed copy is exact.
    """
    standalone = etree.fromstring(etree.tostring(element), _SAFE_PARSER)
    return bytes(etree.tostring(standalone, method="c14n", exclusive=True, with_comments=False))


def _without_signature(document: etree._Element) -> etree._Element:
    """The enveloped-signature transform: the signature goes, the text around it stays."""
    stripped = copy.deepcopy(document)
    signature = next(stripped.iter(_ds("Signature")))
    previous, parent = signature.getprevious(), signature.getparent()
    tail = signature.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif parent is not None:
        parent.text = (parent.text or "") + tail
    if parent is not None:
        parent.remove(signature)
    return stripped


def complete_signature(signature: etree._Element, signer: PackageSigner, frame: bytes) -> None:
    """Fills digests and SignatureValue of a ``signature_template`` already placed and indented.

    ``frame`` is the package exactly as it will be written, minus AttachmentEncoded: the bytes
    the main reference covers are re-read from it, so the digest is over what goes out.
    """
    document = etree.fromstring(frame, _SAFE_PARSER)
    written_manifest = next(document.iter(_ds("Manifest")))
    digests = (
        hashlib.sha256(_exclusive_c14n(_without_signature(document))).digest(),
        hashlib.sha256(_exclusive_c14n(written_manifest)).digest(),
    )
    signed_info = _ds_child(signature, "SignedInfo")
    references = signed_info.findall(_ds("Reference"))
    for reference, digest in zip(references, digests, strict=True):
        _ds_child(reference, "DigestValue").text = base64.b64encode(digest).decode("ascii")
    value = signer.key.sign(_exclusive_c14n(signed_info), "rsa-sha256")
    _ds_child(signature, "SignatureValue").text = base64.b64encode(value).decode("ascii")


# -- signing the SDK's way ---------------------------------------------------------------


class SignatureProfile(StrEnum):
    """How a package is signed (``dsig_profile``)."""

    VANTHU = "vanthu"
    """Ours: exclusive C14N, rsa-sha256, attachments bound through a ds:Manifest of SHA-256s."""
    SDK = "sdk"
    """The VPCP SDK's: SignedInfo in C14N 2001 (inclusive), rsa-sha1, one sha1 ``Reference
    URI=""`` (enveloped signature, exclusive C14N) over the whole package, base64 included.
    SHA-1 is weak: only for peers configured to use it (ADR 0053)."""


def sdk_signature_template(signer: PackageSigner) -> etree._Element:
    """A ``ds:Signature`` laid out as the SDK's samples, digest and value blank."""
    signature = etree.Element(_ds("Signature"), nsmap={None: DSIG_NS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N_INCLUSIVE)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA1)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    # The samples name exclusive C14N by a URI of their own (C14N_EXCLUSIVE_LEGACY), which we
    # read; we write the standard one, which every XML-DSig library knows.
    for algorithm in (TRANSFORM_ENVELOPED, C14N_EXCLUSIVE):
        etree.SubElement(transforms, _ds("Transform"), Algorithm=algorithm)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=DIGEST_SHA1)
    etree.SubElement(reference, _ds("DigestValue"))
    etree.SubElement(signature, _ds("SignatureValue"))
    x509_data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    etree.SubElement(
        x509_data, _ds("X509SubjectName")
    ).text = signer.certificate.subject.rfc4514_string()
    etree.SubElement(x509_data, _ds("X509Certificate")).text = base64.b64encode(
        signer.certificate.public_bytes(serialization.Encoding.DER)
    ).decode("ascii")
    return signature


def _inclusive_c14n_in_place(element: etree._Element) -> bytes:
    """Inclusive C14N of ``element``'s subtree as it sits in its document: every namespace in
    scope there is rendered on it, which a standalone copy declaring them all gives."""
    standalone = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    standalone.text = element.text
    for child in element:
        standalone.append(copy.deepcopy(child))
    reparsed = etree.fromstring(etree.tostring(standalone), _SAFE_PARSER)
    return bytes(etree.tostring(reparsed, method="c14n", exclusive=False, with_comments=False))


def complete_sdk_signature(
    signature: etree._Element, signer: PackageSigner, package_digest: bytes
) -> None:
    """Fills an ``sdk_signature_template`` placed in its envelope: ``package_digest`` is the
    SHA-1 of the whole package's exclusive C14N without the signature."""
    signed_info = _ds_child(signature, "SignedInfo")
    _ds_child(signed_info, "Reference/DigestValue").text = base64.b64encode(package_digest).decode(
        "ascii"
    )
    # rsa-sha1: the SDK's profile, for peers configured to use it
    value = signer.key.sign(_inclusive_c14n_in_place(signed_info), "rsa-sha1")
    _ds_child(signature, "SignatureValue").text = base64.b64encode(value).decode("ascii")


# -- verifying -----------------------------------------------------------------------------


class SignatureStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNSIGNED = "unsigned"


@dataclass(frozen=True)
class SignatureVerdict:
    status: SignatureStatus
    agency_code: str
    reason: str | None = None
    """Why the signature is invalid, or why a ``Signature`` block there counts as none
    (``template_block``); ``None`` otherwise."""
    template_block: bool = False
    """UNSIGNED because the only ``Signature`` is outside the XML-DSig namespace, as the SDK's
    template writes it (often with a truncated certificate): there is no signature to check,
    so whether the package is taken depends on what its sender is required to do."""
    certificate: x509.Certificate | None = None
    legacy_algorithm: bool = False
    """Valid, but with SHA-1 (accepted from legacy senders only)."""

    @property
    def is_valid(self) -> bool:
        return self.status is SignatureStatus.VALID


class _Invalid(Exception):
    pass


def _decoded(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except binascii.Error as error:
        raise _Invalid(f"{what} is not base64") from error


def _certificate_from_key_info(view: SignatureView) -> x509.Certificate | None:
    if not view.certificates:
        return None
    der = _decoded(view.certificates[0], "KeyInfo/X509Data/X509Certificate")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise _Invalid("the certificate in KeyInfo cannot be read") from error


def _candidate_certificates(
    view: SignatureView, trusted: Sequence[x509.Certificate], agency_code: str, at: datetime | None
) -> list[x509.Certificate]:
    if not trusted:
        raise _Invalid(f"no signing certificate is registered for agency {agency_code}")
    presented = _certificate_from_key_info(view)
    candidates = list(trusted)
    if presented is not None:
        if presented not in trusted:
            raise _Invalid(
                f"the signing certificate ({presented.subject.rfc4514_string()}) is not "
                f"registered for agency {agency_code}"
            )
        candidates = [presented]
    if at is not None:
        candidates = [
            c for c in candidates if c.not_valid_before_utc <= at <= c.not_valid_after_utc
        ]
        if not candidates:
            raise _Invalid(f"the signing certificate was not valid at {at.isoformat()}")
    return candidates


@functools.lru_cache(maxsize=1024)
def _public_key(certificate: x509.Certificate) -> object:
    """The certificate's key, decoded once: the same few agencies' certificates verify every
    package (a certificate is hashed and compared by its DER bytes)."""
    return certificate.public_key()


def _verify_signature_value(
    view: SignatureView, candidates: Sequence[x509.Certificate]
) -> x509.Certificate:
    if view.signed_info is None:
        raise _Invalid("the signature has no SignedInfo")
    mode = C14N_MODES.get(view.canonicalization_method or "")
    if mode is None:
        raise _Invalid(f"CanonicalizationMethod {view.canonicalization_method!r} is not supported")
    hash_type = _SIGNATURE_HASHES.get(view.signature_method or "")
    if hash_type is None:
        raise _Invalid(f"SignatureMethod {view.signature_method!r} is not supported")
    signed = canonicalize_subtree(view.signed_info, mode)
    value = _decoded(view.signature_value, "SignatureValue")
    for certificate in candidates:
        key = _public_key(certificate)
        if not isinstance(key, rsa.RSAPublicKey):
            continue
        try:
            key.verify(value, signed, padding.PKCS1v15(), hash_type())
        except InvalidSignature:
            continue
        return certificate
    raise _Invalid("SignatureValue does not match SignedInfo under the agency's certificate")


def _check_digest(reference: ReferenceView, computed: bytes | None, what: str) -> None:
    if computed is None:
        raise _Invalid(f"{what} cannot be digested with {reference.digest_method!r}")
    expected = _decoded(reference.digest_value, f"the DigestValue of {what}")
    if not hmac.compare_digest(expected, computed):
        raise _Invalid(f"{what} was altered after signing: its digest does not match")


def _hash(reference: ReferenceView, data: bytes) -> bytes | None:
    hash_name = DIGEST_HASH_NAMES.get(reference.digest_method or "")
    return hashlib.new(hash_name, data).digest() if hash_name else None


def _element_with_id(root: XmlElement, identifier: str) -> XmlElement | None:
    pending = [root]
    while pending:
        element = pending.pop()
        if element.attribute("Id") == identifier:
            return element
        pending.extend(element.elements())
    return None


def _check_attachment_manifest(
    view: SignatureView, reference: ReferenceView, attachments: Sequence[AttachmentDescriptor]
) -> None:
    manifest = _element_with_id(view.element, (reference.uri or "")[1:])
    if manifest is None or not manifest.is_named(DSIG_NS, "Manifest"):
        raise _Invalid(f"reference {reference.uri} does not point to a ds:Manifest")
    algorithms = reference.transform_algorithms
    mode = C14N_MODES.get(algorithms[0] or "") if len(algorithms) == 1 else None
    if mode is None:
        raise _Invalid(f"reference {reference.uri} has unsupported transforms")
    _check_digest(
        reference, _hash(reference, canonicalize_subtree(manifest, mode)), "the attachment manifest"
    )
    signed = {
        item.uri: item
        for item in (
            read_reference(e) for e in manifest.elements() if e.is_named(DSIG_NS, "Reference")
        )
    }
    carried = {content_id_uri(a.content_id): a for a in attachments}
    for uri in signed.keys() - carried.keys():
        raise _Invalid(f"the signed attachment {uri} is missing from the package")
    for uri, attachment in carried.items():
        item = signed.get(uri)
        if item is None:
            raise _Invalid(f"attachment {uri} is not covered by the signature")
        if item.digest_method != DIGEST_SHA256:
            raise _Invalid(f"attachment {uri} is digested with {item.digest_method!r}, not SHA-256")
        _check_digest(item, bytes.fromhex(attachment.sha256), f"attachment {uri}")


def _check_references(view: SignatureView, read: ReadPackage) -> bool:
    """Checks every reference; returns whether a legacy (SHA-1) digest was involved."""
    document = document_reference(view)
    if document is None or sum(1 for r in view.references if r.uri == "") != 1:
        raise _Invalid('the signature must have exactly one Reference URI=""')
    others = [r for r in view.references if r is not document]
    canonical = read.evidence.canonical
    if len(document.transforms) == 3 and is_attachment_filter(document.transforms[1]):
        if document.transform_algorithms != (
            TRANSFORM_ENVELOPED,
            TRANSFORM_FILTER2,
            C14N_EXCLUSIVE,
        ):
            raise _Invalid('Reference URI="" has unsupported transforms')
        _check_digest(document, _hash(document, bytes(canonical.envelope)), "the package envelope")
        manifests = [r for r in others if r.uri == f"#{ATTACHMENT_MANIFEST_ID}"]
        if len(manifests) != 1 or len(others) != 1:
            raise _Invalid("the attachments are not covered by exactly one signed manifest")
        _check_attachment_manifest(view, manifests[0], read.attachments)
        return False
    plan = whole_document_plan(document)
    if plan is None or others:
        raise _Invalid("the signature's references or transforms are not supported")
    computed = canonical.whole_document_digest(plan.mode, plan.hash_name)
    if computed is None:
        raise _Invalid("the signature comes after the attachments it covers; cannot check it")
    _check_digest(document, computed, "the package")
    return plan.hash_name == "sha1"


def _misplaced_signature(read: ReadPackage) -> bool:
    pending = [read.evidence.root]
    while pending:
        element = pending.pop()
        if element.local == "Signature" and element.namespace != DSIG_NS:
            return True
        pending.extend(element.elements())
    return False


def verify_package_signature(
    read: ReadPackage, trusted_certificates: TrustedCertificates, *, at: datetime | None = None
) -> SignatureVerdict:
    """Whether ``read``'s signature is valid and made with a key of its sending agency.

    ``trusted_certificates(agency_code)`` returns the certificates registered for the agency;
    ``at`` (optional) is the instant the signing certificate must have been valid.
    """
    agency_code = read.sender_agency_code
    if read.evidence.signature is None:
        if _misplaced_signature(read):
            return SignatureVerdict(
                SignatureStatus.UNSIGNED,
                agency_code,
                reason="the Signature element is not in the XML-DSig namespace (the SDK's "
                "template block): the package carries no signature that can be checked",
                template_block=True,
            )
        return SignatureVerdict(SignatureStatus.UNSIGNED, agency_code)
    view = read_signature(read.evidence.signature)
    try:
        candidates = _candidate_certificates(
            view, list(trusted_certificates(agency_code)), agency_code, at
        )
        certificate = _verify_signature_value(view, candidates)
        legacy = _check_references(view, read) or view.signature_method == RSA_SHA1
    except _Invalid as problem:
        return SignatureVerdict(SignatureStatus.INVALID, agency_code, reason=str(problem))
    return SignatureVerdict(
        SignatureStatus.VALID, agency_code, certificate=certificate, legacy_algorithm=legacy
    )
