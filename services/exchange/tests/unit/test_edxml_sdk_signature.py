"""Packages signed the VPCP SDK's way (C14N 2001, rsa-sha1, one sha1 reference over the whole
package), built for peers configured so, verify here and with independent XML toolchains
(libxml2's C14N through lxml, and xmlsec1 where installed); a tampered one does not (ADR 0053).

Keys are made in the tests; no third-party package is used."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from vanthu_exchange.domain.edxml import (
    PackageBuildError,
    SignatureProfile,
    SignatureStatus,
    StatusCode,
    read_package,
    verify_package_signature,
    write_document_package,
    write_status_package,
)

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
ATTACHMENT = bytes(range(256)) * 300


def sdk_signed(make_document, make_attachment, signer, **changes) -> bytes:
    sink = io.BytesIO()
    write_document_package(
        sink,
        make_document(**changes),
        [
            make_attachment("cid:1", ATTACHMENT, "van-ban.pdf"),
            make_attachment("cid:2", b"%PDF-1.7 phu luc", "phu-luc.pdf"),
        ],
        signer=signer,
        signature_profile=SignatureProfile.SDK,
    )
    return sink.getvalue()


def verdict(data: bytes, agency_keys):
    return verify_package_signature(
        read_package(io.BytesIO(data)), agency_keys.trusted_certificates
    )


@pytest.fixture
def sender(make_document) -> str:
    return make_document().message_header.sender.agency_code


@pytest.fixture
def signed(make_document, make_attachment, agency_keys, sender) -> bytes:
    return sdk_signed(make_document, make_attachment, agency_keys.signer(sender))


def test_the_signature_is_laid_out_as_the_sdks_samples(signed):
    header = etree.fromstring(signed).find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader")
    signature = header[-1]

    assert etree.QName(signature).text == f"{{{DSIG}}}Signature"
    assert etree.QName(header[-2]).localname == "TraceHeaderList"
    algorithms = [
        (etree.QName(e).localname, e.get("Algorithm"))
        for e in signature.iter()
        if e.get("Algorithm")
    ]
    assert algorithms == [
        ("CanonicalizationMethod", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"),
        ("SignatureMethod", f"{DSIG}rsa-sha1"),
        ("Transform", f"{DSIG}enveloped-signature"),
        ("Transform", "http://www.w3.org/2001/10/xml-exc-c14n#"),
        ("DigestMethod", f"{DSIG}sha1"),
    ]
    assert [r.get("URI") for r in signature.iter(f"{{{DSIG}}}Reference")] == [""]
    assert (
        signature.find(f"{{{DSIG}}}KeyInfo/{{{DSIG}}}X509Data/{{{DSIG}}}X509SubjectName")
        is not None
    )


def test_an_sdk_signed_package_verifies_and_is_flagged_as_sha1(signed, agency_keys):
    result = verdict(signed, agency_keys)

    assert result.status is SignatureStatus.VALID
    assert result.legacy_algorithm


def test_an_sdk_signed_package_still_carries_its_attachments_whole(signed, sinks):
    read = read_package(io.BytesIO(signed), sinks.open)

    assert sinks.content("cid:1") == ATTACHMENT
    assert read.attachments[0].sha256 == hashlib.sha256(ATTACHMENT).hexdigest()


def test_a_changed_subject_breaks_an_sdk_signature(signed, agency_keys, make_document):
    subject = make_document().message_header.subject.replace("&", "&amp;")

    result = verdict(signed.replace(subject.encode(), b"V/v khac"), agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert "altered" in result.reason


def test_a_changed_attachment_byte_breaks_an_sdk_signature(signed, agency_keys):
    altered = bytearray(ATTACHMENT)
    altered[7000] ^= 0x01
    tampered = signed.replace(base64.b64encode(ATTACHMENT), base64.b64encode(bytes(altered)))
    assert tampered != signed

    result = verdict(tampered, agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert "altered" in result.reason


def test_an_sdk_signature_made_with_another_agencys_key_is_refused(
    make_document, make_attachment, agency_keys, sender
):
    agency_keys.signer(sender)  # the sender's own certificate is the registered one
    data = sdk_signed(make_document, make_attachment, agency_keys.signer("000.00.00.H99"))

    result = verdict(data, agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert "not registered" in result.reason


def test_a_status_package_signed_the_sdks_way_verifies(make_status, agency_keys):
    status = make_status(StatusCode.ACCEPTED)
    sink = io.BytesIO()
    signer = agency_keys.signer(status.sender.agency_code)
    write_status_package(sink, status, signer=signer, signature_profile=SignatureProfile.SDK)

    result = verdict(sink.getvalue(), agency_keys)
    tampered = verdict(sink.getvalue().replace(b">03<", b">05<"), agency_keys)

    assert result.status is SignatureStatus.VALID
    assert tampered.status is SignatureStatus.INVALID


def test_signing_the_sdks_way_needs_attachments_it_can_read_twice(
    make_document, agency_keys, sender
):
    from vanthu_exchange.domain.edxml import AttachmentSource

    class OnePass(io.BytesIO):
        def seekable(self) -> bool:
            return False

    one_pass = AttachmentSource(
        content_id="cid:1", name="a.pdf", content_type="application/pdf", stream=OnePass(b"x")
    )
    with pytest.raises(PackageBuildError, match="twice"):
        write_document_package(
            io.BytesIO(),
            make_document(),
            [one_pass],
            signer=agency_keys.signer(sender),
            signature_profile=SignatureProfile.SDK,
        )


# -- independent toolchains ---------------------------------------------------------------


def libxml2_verifies(data: bytes, certificate: x509.Certificate) -> None:
    """XML-DSig by hand with libxml2's canonicaliser (through lxml) and cryptography: nothing
    of our own streaming reader or canonical writer is used. Raises when it does not verify."""
    root = etree.fromstring(data)
    signature = next(root.iter(f"{{{DSIG}}}Signature"))
    signed_info = signature.find(f"{{{DSIG}}}SignedInfo")
    digest_value = signed_info.find(f"{{{DSIG}}}Reference/{{{DSIG}}}DigestValue").text
    signature_value = signature.find(f"{{{DSIG}}}SignatureValue").text
    # SignedInfo in inclusive C14N as it sits, i.e. with every namespace in scope there. lxml
    # renders spurious xmlns="" canonicalising a subtree in place, so libxml2 canonicalises a
    # standalone copy (lxml serialises a subtree declaring every namespace in scope).
    standalone = etree.fromstring(etree.tostring(signed_info))
    signed_info_c14n = etree.tostring(standalone, method="c14n", exclusive=False)
    certificate.public_key().verify(
        base64.b64decode(signature_value), signed_info_c14n, padding.PKCS1v15(), hashes.SHA1()
    )
    signature.getparent().remove(signature)  # enveloped-signature (tail kept by libxml2 too)
    whole = etree.tostring(root, method="c14n", exclusive=True, with_comments=False)
    if base64.b64decode(digest_value) != hashlib.sha1(whole).digest():
        raise InvalidSignature("the package digest does not match")


def _with_signature_tail_moved(data: bytes) -> bytes:
    # The enveloped transform removes the Signature node only; its tail text stays in place.
    root = etree.fromstring(data)
    signature = next(root.iter(f"{{{DSIG}}}Signature"))
    previous = signature.getprevious()
    previous.tail = (previous.tail or "") + (signature.tail or "")
    signature.tail = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_libxml2s_c14n_and_cryptography_verify_our_sdk_signature(signed, agency_keys, sender):
    certificate = agency_keys.signer(sender).certificate

    libxml2_verifies(_with_signature_tail_moved(signed), certificate)


def test_libxml2s_c14n_catches_a_tampered_sdk_package(signed, agency_keys, sender):
    certificate = agency_keys.signer(sender).certificate
    tampered = signed.replace(b"<edXML:CodeNumber>1234<", b"<edXML:CodeNumber>1235<")
    assert tampered != signed

    with pytest.raises(InvalidSignature):
        libxml2_verifies(_with_signature_tail_moved(tampered), certificate)


XMLSEC1 = shutil.which("xmlsec1")


def xmlsec1_verify(
    data: bytes, certificate: x509.Certificate, workdir: Path, *, ignore_manifests: bool = False
) -> bool:
    package, pem = workdir / "package.edxml", workdir / "signer.pem"
    package.write_bytes(data)
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    done = subprocess.run(
        [
            XMLSEC1,
            "--verify",
            *(["--ignore-manifests"] if ignore_manifests else []),
            "--enabled-key-data",
            "rsa,x509",
            "--pubkey-cert-pem",
            str(pem),
            str(package),
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    return done.returncode == 0


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 (Debian package xmlsec1) is not installed")
def test_xmlsec1_verifies_our_sdk_signature_and_refuses_a_tampered_one(
    signed, agency_keys, sender, tmp_path
):
    certificate = agency_keys.signer(sender).certificate
    tampered = signed.replace(b"<edXML:CodeNumber>1234<", b"<edXML:CodeNumber>1235<")

    assert xmlsec1_verify(signed, certificate, tmp_path)
    assert not xmlsec1_verify(tampered, certificate, tmp_path)


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 (Debian package xmlsec1) is not installed")
def test_xmlsec1_verifies_our_own_profile_and_the_attachment_digests_match_the_bytes(
    make_document, make_attachment, agency_keys, sender, tmp_path
):
    # xmlsec1 checks SignedInfo, the envelope (XPath Filter 2.0) and the ds:Manifest element;
    # the manifest's cid: references are the application's to resolve (XML-DSig §5.1), so the
    # attachments' SHA-256s are compared here with hashlib on the decoded base64.
    signer = agency_keys.signer(sender)
    sink = io.BytesIO()
    write_document_package(
        sink, make_document(), [make_attachment("cid:1", ATTACHMENT)], signer=signer
    )
    data = sink.getvalue()
    root = etree.fromstring(data)
    manifest = next(root.iter(f"{{{DSIG}}}Manifest"))
    (digest,) = manifest.iter(f"{{{DSIG}}}DigestValue")
    (encoded,) = root.iter(f"{{{EDXML}}}ContentTransferEncoded")

    assert xmlsec1_verify(data, signer.certificate, tmp_path, ignore_manifests=True)
    assert base64.b64decode(digest.text) == hashlib.sha256(base64.b64decode(encoded.text)).digest()
    tampered = data.replace(b"<edXML:CodeNumber>1234<", b"<edXML:CodeNumber>1235<")
    assert not xmlsec1_verify(tampered, signer.certificate, tmp_path, ignore_manifests=True)
