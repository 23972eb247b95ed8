"""The streaming canonicaliser produces the same bytes as libxml2, so signatures interoperate."""

from __future__ import annotations

import hashlib
import io

import pytest
from lxml import etree
from vanthu_exchange.domain.edxml.canonical import C14nMode, canonicalize_subtree
from vanthu_exchange.domain.edxml.secure_reader import ReadLimits, read_xml_stream

DOCUMENTS = {
    "edxml prefixes over a default namespace": (
        '<edXML xmlns="urn:e">\n  <edXML:Envelope xmlns:edXML="urn:e"><edXML:A>x</edXML:A>'
        '</edXML:Envelope>\n  <Tail><edXML:B xmlns:edXML="urn:e">QUJD</edXML:B></Tail>\n</edXML>'
    ),
    "prefix rebound deeper down": (
        '<a:r xmlns:a="urn:1"><a:c xmlns:a="urn:2"><a:d xmlns:a="urn:2"/></a:c><a:e/></a:r>'
    ),
    "default namespace undeclared": '<r xmlns="urn:d"><c xmlns=""><g/></c><c2/></r>',
    "unused declarations": '<r xmlns:u="urn:unused" xmlns:v="urn:v"><v:c u:z="1" b="2" a="3"/></r>',
    "attribute sorting and escaping": (
        '<r xmlns:b="urn:b" xmlns:a="urn:a" z="&amp;&lt;&quot;&#9;&#10;&#13;" a:y="1" b:x="2" x="&gt;"/>'
    ),
    "text escaping, cdata and carriage returns": (
        "<r>a &amp; b &lt; c &gt; d&#13;e<![CDATA[<raw> & ]]>ễ đ</r>"
    ),
    "processing instructions and comments": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?before data?>\n<!-- gone -->'
        "<r><?inside?><!-- gone too --><c/></r>\n<?after x?>\n"
    ),
    "dsig style signature": (
        '<r xmlns="urn:e" xmlns:edXML="urn:e"><edXML:h><Signature xmlns="urn:ds"><SignedInfo>'
        '<Reference URI=""><Transforms><Transform A="1"><XPath xmlns="urn:f" xmlns:edXML="urn:e">'
        "//edXML:X</XPath></Transform></Transforms></Reference></SignedInfo></Signature></edXML:h></r>"
    ),
}


def libxml2(text: str, mode: C14nMode) -> bytes:
    document = etree.fromstring(text.encode()).getroottree()
    return etree.tostring(
        document, method="c14n", exclusive=mode is C14nMode.EXCLUSIVE, with_comments=False
    )


@pytest.mark.parametrize("mode", list(C14nMode), ids=lambda mode: mode.value)
@pytest.mark.parametrize("name", DOCUMENTS, ids=str)
def test_whole_documents_canonicalise_exactly_like_libxml2(name, mode):
    raw = read_xml_stream(io.BytesIO(DOCUMENTS[name].encode()), None, ReadLimits())

    streamed = raw.canonical.whole_document_digest(mode, "sha256")
    replayed = canonicalize_subtree(raw.root, mode)

    expected = libxml2(DOCUMENTS[name], mode)
    assert streamed == hashlib.sha256(expected).digest()
    # Instructions outside the root element are not part of the tree.
    assert replayed == expected.strip(b"\n").removeprefix(b"<?before data?>\n").removesuffix(
        b"\n<?after x?>"
    )


@pytest.mark.parametrize("name", DOCUMENTS, ids=str)
def test_subtrees_canonicalise_exclusively_like_a_standalone_copy(name):
    document = etree.fromstring(DOCUMENTS[name].encode())
    raw = read_xml_stream(io.BytesIO(DOCUMENTS[name].encode()), None, ReadLimits())
    first_child = next(iter(raw.root.elements()), raw.root)
    lxml_child = next(iter(document.iterchildren(etree.Element)), document)

    standalone = etree.fromstring(etree.tostring(lxml_child))

    assert canonicalize_subtree(first_child, C14nMode.EXCLUSIVE) == etree.tostring(
        standalone, method="c14n", exclusive=True, with_comments=False
    )


def test_inclusive_subtrees_carry_every_namespace_in_scope():
    raw = read_xml_stream(
        io.BytesIO(DOCUMENTS["dsig style signature"].encode()), None, ReadLimits()
    )
    signature = next(next(raw.root.elements()).elements())
    signed_info = next(signature.elements())

    canonical = canonicalize_subtree(signed_info, C14nMode.INCLUSIVE)

    assert canonical.startswith(b'<SignedInfo xmlns="urn:ds" xmlns:edXML="urn:e">')
    assert b'<XPath xmlns="urn:f">' in canonical
