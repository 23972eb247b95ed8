"""Signed packages verify only when untouched and signed with the sending agency's key."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    PackageBuildError,
    PackageSigner,
    SignatureStatus,
    StatusCode,
    read_package,
    verify_package_signature,
    write_document_package,
    write_status_package,
)

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
ATTACHMENT = bytes(range(256)) * 40


@pytest.fixture
def package(make_document):
    return make_document()


@pytest.fixture
def sender(package) -> str:
    return package.message_header.sender.agency_code


def signed(package, make_attachment, signer: PackageSigner | None) -> str:
    sink = io.BytesIO()
    attachments = [
        make_attachment("cid:1", ATTACHMENT),
        make_attachment("cid:2", b"phu luc", "pl.docx"),
    ]
    write_document_package(sink, package, attachments, signer=signer)
    return sink.getvalue().decode()


def verdict(text: str | bytes, agency_keys, **options):
    data = text.encode() if isinstance(text, str) else text
    read = read_package(io.BytesIO(data))
    return verify_package_signature(read, agency_keys.trusted_certificates, **options)


def test_a_package_signed_by_the_sending_agency_is_valid(
    package, sender, make_attachment, agency_keys
):
    signer = agency_keys.signer(sender)

    result = verdict(signed(package, make_attachment, signer), agency_keys)

    assert result.status is SignatureStatus.VALID
    assert result.is_valid
    assert result.certificate == signer.certificate
    assert result.agency_code == sender
    assert not result.legacy_algorithm


def test_a_changed_subject_makes_the_signature_invalid(
    package, sender, make_attachment, agency_keys
):
    text = signed(package, make_attachment, agency_keys.signer(sender))
    tampered = text.replace("V/v kết nối", "V/v hủy kết nối", 1)

    result = verdict(tampered, agency_keys)

    assert tampered != text
    assert result.status is SignatureStatus.INVALID
    assert "envelope was altered" in result.reason


def test_a_changed_attachment_byte_makes_the_signature_invalid(
    package, sender, make_attachment, agency_keys
):
    text = signed(package, make_attachment, agency_keys.signer(sender))
    encoded = base64.b64encode(ATTACHMENT).decode()
    altered = bytearray(ATTACHMENT)
    altered[5000] ^= 0x01
    tampered = text.replace(encoded, base64.b64encode(bytes(altered)).decode())

    result = verdict(tampered, agency_keys)

    assert tampered != text
    assert result.status is SignatureStatus.INVALID
    assert result.reason == "attachment cid:1 was altered after signing: its digest does not match"


def test_a_package_signed_with_another_agencys_key_is_invalid(
    package, sender, make_attachment, agency_keys
):
    other = agency_keys.signer("000.00.00.H14")

    result = verdict(signed(package, make_attachment, other), agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert f"not registered for agency {sender}" in result.reason


def test_presenting_the_senders_certificate_does_not_hide_a_foreign_key(
    package, sender, make_attachment, agency_keys
):
    genuine = agency_keys.signer(sender).certificate
    text = signed(package, make_attachment, agency_keys.signer("000.00.00.H14"))
    foreign = re.search(r"<X509Certificate>([^<]+)</X509Certificate>", text).group(1)
    genuine_b64 = base64.b64encode(genuine.public_bytes(serialization.Encoding.DER)).decode()

    result = verdict(text.replace(foreign, genuine_b64), agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert "SignatureValue does not match" in result.reason


def test_an_agency_without_a_registered_certificate_cannot_be_verified(
    make_document, make_attachment, agency_keys
):
    package = make_document(
        sender=make_document()
        .message_header.recipients[0]
        .model_copy(update={"agency_code": "000.00.00.H30"})
    )
    lone_signer = PackageSigner.from_private_key(
        agency_keys.signer("000.00.00.H14").key.private_key,
        agency_keys.signer("000.00.00.H14").certificate,
    )

    result = verdict(signed(package, make_attachment, lone_signer), agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert result.reason == "no signing certificate is registered for agency 000.00.00.H30"


def test_an_unsigned_package_is_reported_unsigned(package, make_attachment, agency_keys):
    result = verdict(signed(package, make_attachment, None), agency_keys)

    assert result.status is SignatureStatus.UNSIGNED
    assert result.reason is None


# Our own imitation of the SDK's template block: no xmlns (so it lands in the edXML namespace),
# empty digest and value, a certificate cut short.
SDK_TEMPLATE_SIGNATURE = (
    "<Signature><SignedInfo>"
    '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    '<Reference URI=""><DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
    "<DigestValue></DigestValue></Reference></SignedInfo><SignatureValue></SignatureValue>"
    "<KeyInfo><X509Data><X509Certificate>MIIE3zCCA8egAwIBAgIQVN</X509Certificate>"
    "</X509Data></KeyInfo></Signature>"
)


@pytest.mark.parametrize(
    "block", ["<Signature><SignedInfo/></Signature>", SDK_TEMPLATE_SIGNATURE], ids=["bare", "sdk"]
)
def test_a_signature_block_outside_the_dsig_namespace_is_reported_unsigned_saying_why(
    block, package, make_attachment, agency_keys
):
    text = signed(package, make_attachment, None).replace(
        "</edXML:TraceHeaderList>", f"</edXML:TraceHeaderList>{block}"
    )

    result = verdict(text, agency_keys)

    assert result.status is SignatureStatus.UNSIGNED
    assert result.template_block
    assert "XML-DSig namespace" in result.reason


def test_a_certificate_outside_its_validity_is_refused_when_a_moment_is_given(
    package, sender, make_attachment, agency_keys
):
    text = signed(package, make_attachment, agency_keys.signer(sender))

    result = verdict(text, agency_keys, at=datetime.now(UTC) + timedelta(days=3650))

    assert result.status is SignatureStatus.INVALID
    assert "not valid at" in result.reason


def test_a_signed_status_package_verifies_and_detects_a_changed_status(make_status, agency_keys):
    status = make_status(StatusCode.ACCEPTED)
    sink = io.BytesIO()
    write_status_package(sink, status, signer=agency_keys.signer(status.sender.agency_code))
    text = sink.getvalue().decode()

    assert verdict(text, agency_keys).is_valid
    changed = verdict(text.replace("<edXML:StatusCode>03<", "<edXML:StatusCode>06<"), agency_keys)
    assert changed.status is SignatureStatus.INVALID


def test_signing_refuses_a_key_that_does_not_match_its_certificate(agency_keys):
    with pytest.raises(PackageBuildError, match="does not belong"):
        PackageSigner.from_private_key(
            agency_keys.signer("000.00.00.H14").key.private_key,
            agency_keys.signer("000.00.00.H41").certificate,
        )


def test_signing_a_one_pass_stream_needs_its_digest_up_front(package, sender, agency_keys):
    class OnePass(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            return 0

    one_pass = AttachmentSource(
        content_id="cid:p", name="p.pdf", content_type="application/pdf", stream=OnePass()
    )

    with pytest.raises(PackageBuildError, match="sha256="):
        write_document_package(io.BytesIO(), package, [one_pass], signer=agency_keys.signer(sender))


def test_a_declared_digest_that_does_not_match_the_content_fails_the_build(
    package, sender, agency_keys
):
    lying = AttachmentSource(
        content_id="cid:l", name="l.pdf", content_type="application/pdf",
        stream=io.BytesIO(b"actual"), sha256=hashlib.sha256(b"declared").hexdigest(),
    )  # fmt: skip

    with pytest.raises(PackageBuildError, match="changed while it was written"):
        write_document_package(io.BytesIO(), package, [lying], signer=agency_keys.signer(sender))


# -- legacy senders ---------------------------------------------------------------------


def legacy_signed(unsigned: str, signer: PackageSigner, *, exclusive: bool) -> bytes:
    """Signs the whole package the way the hub's SDK sample does, with libxml2's C14N and SHA-1."""
    root = etree.fromstring(unsigned.encode())
    digest = hashlib.sha1(
        etree.tostring(root, method="c14n", exclusive=exclusive, with_comments=False)
    ).digest()
    transforms = f'<Transform Algorithm="{DSIG}enveloped-signature"/>'
    if exclusive:
        transforms += '<Transform Algorithm="http://www.w3.org/TR/xml-exc-c14n#"/>'
    signed_info = (
        "<SignedInfo>\n\t\t"
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>\n\t\t'
        f'<SignatureMethod Algorithm="{DSIG}rsa-sha1"/>\n\t\t<Reference URI="">'
        f'<Transforms>{transforms}</Transforms><DigestMethod Algorithm="{DSIG}sha1"/>'
        f"<DigestValue>{base64.b64encode(digest).decode()}</DigestValue></Reference>\n\t</SignedInfo>"
    )
    # Inclusive C14N of SignedInfo renders every namespace in scope where it sits; a standalone
    # copy declaring exactly those is canonicalised by libxml2 as a whole document.
    in_scope = signed_info.replace(
        "<SignedInfo>", f'<SignedInfo xmlns="{DSIG}" xmlns:edXML="{EDXML}">', 1
    )
    value = signer.key.private_key.sign(
        etree.tostring(etree.fromstring(in_scope), method="c14n", with_comments=False),
        padding.PKCS1v15(),
        hashes.SHA1(),
    )
    certificate = base64.b64encode(
        signer.certificate.public_bytes(serialization.Encoding.DER)
    ).decode()
    signature = etree.fromstring(
        f'<Signature xmlns="{DSIG}">\n\t{signed_info}'
        f"<SignatureValue>{base64.b64encode(value).decode()}</SignatureValue>"
        f"<KeyInfo><X509Data><X509Certificate>{certificate}</X509Certificate></X509Data></KeyInfo>"
        "</Signature>"
    )
    root.find(
        f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader/{{{EDXML}}}TraceHeaderList"
    ).addnext(signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive-c14n", "inclusive-c14n"])
def test_legacy_sha1_whole_package_signatures_are_accepted_and_flagged(
    exclusive, package, sender, make_attachment, agency_keys
):
    data = legacy_signed(
        signed(package, make_attachment, None), agency_keys.signer(sender), exclusive=exclusive
    )

    result = verdict(data, agency_keys)

    assert result.status is SignatureStatus.VALID
    assert result.legacy_algorithm


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive-c14n", "inclusive-c14n"])
def test_legacy_signatures_still_catch_a_changed_attachment(
    exclusive, package, sender, make_attachment, agency_keys
):
    data = legacy_signed(
        signed(package, make_attachment, None), agency_keys.signer(sender), exclusive=exclusive
    )
    encoded = base64.b64encode(ATTACHMENT)
    altered = bytearray(ATTACHMENT)
    altered[100] ^= 0x80

    result = verdict(data.replace(encoded, base64.b64encode(bytes(altered))), agency_keys)

    assert result.status is SignatureStatus.INVALID
    assert "altered" in result.reason
