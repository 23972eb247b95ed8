"""Canonical XML 1.0 (inclusive and exclusive, without comments), written as events arrive.

Signatures are computed over canonical bytes. A package can carry hundreds of megabytes of
base64, so canonicalisation must work on a stream of parser events rather than on a tree: this
writer receives start/text/end/processing-instruction events and emits canonical bytes at once.
It covers what edXML uses — elements, attributes, namespaces, text, processing instructions —
and is checked against libxml2's canonicaliser in the tests. It does not implement
``xml:*`` attribute inheritance for document subsets (not used by edXML packages).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum

from vanthu_exchange.domain.edxml.xml_tree import ProcessingInstruction, XmlElement

_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;"}
)


class C14nMode(Enum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


Scope = dict[str | None, str]


class CanonicalWriter:
    """Turns parser events into canonical bytes passed to ``emit``.

    ``inherited`` is the namespace scope of the apex's parent when canonicalising a subtree.
    """

    def __init__(
        self,
        emit: Callable[[bytes], None],
        mode: C14nMode,
        inherited: Mapping[str | None, str] | None = None,
    ) -> None:
        self._emit = emit
        self._mode = mode
        self._scopes: list[Scope] = [dict(inherited or {})]
        # Bindings already rendered by output ancestors; the apex starts with none rendered.
        self._rendered: list[Scope] = [{}]
        self._open: list[str] = []
        self._after_document_element = False

    def start(self, element: XmlElement) -> None:
        scope = dict(self._scopes[-1])
        scope.update(element.declarations)
        rendered = dict(self._rendered[-1])
        declarations = self._declarations_to_render(element, scope, rendered)
        rendered.update(declarations)
        self._scopes.append(scope)
        self._rendered.append(scope if self._mode is C14nMode.INCLUSIVE else rendered)
        self._open.append(element.qname)
        self._emit(_start_tag(element, declarations).encode("utf-8"))

    def text(self, data: str) -> None:
        if self._open:
            self._emit(data.translate(_TEXT_ESCAPES).encode("utf-8"))

    def end(self) -> None:
        self._emit(f"</{self._open.pop()}>".encode())
        self._scopes.pop()
        self._rendered.pop()
        if not self._open:
            self._after_document_element = True

    def processing_instruction(self, instruction: ProcessingInstruction) -> None:
        body = (
            f"{instruction.target} {instruction.data}" if instruction.data else instruction.target
        )
        rendered = f"<?{body}?>"
        if not self._open:
            rendered = f"\n{rendered}" if self._after_document_element else f"{rendered}\n"
        self._emit(rendered.encode("utf-8"))

    def _declarations_to_render(self, element: XmlElement, scope: Scope, rendered: Scope) -> Scope:
        if self._mode is C14nMode.INCLUSIVE:
            prefixes = set(scope) | ({None} if rendered.get(None) else set())
        else:
            prefixes = {element.prefix} | {a.prefix for a in element.attributes if a.prefix}
        wanted: Scope = {}
        for prefix in prefixes:
            if prefix == "xml":
                continue
            uri = scope.get(prefix, "")
            if rendered.get(prefix, "") != uri:
                wanted[prefix] = uri
        return wanted


def _start_tag(element: XmlElement, declarations: Scope) -> str:
    parts = [f"<{element.qname}"]
    for prefix in sorted(declarations, key=lambda p: "" if p is None else p):
        name = f"xmlns:{prefix}" if prefix else "xmlns"
        parts.append(f' {name}="{declarations[prefix].translate(_ATTRIBUTE_ESCAPES)}"')
    for attribute in sorted(element.attributes, key=lambda a: (a.namespace or "", a.local)):
        parts.append(f' {attribute.qname}="{attribute.value.translate(_ATTRIBUTE_ESCAPES)}"')
    parts.append(">")
    return "".join(parts)


def canonicalize_subtree(element: XmlElement, mode: C14nMode) -> bytes:
    """Canonical bytes of ``element`` and its descendants, as a same-document reference sees it."""
    out = bytearray()
    inherited = element.parent.in_scope_namespaces() if element.parent is not None else {}
    writer = CanonicalWriter(out.extend, mode, inherited)
    _replay(element, writer)
    return bytes(out)


def _replay(element: XmlElement, writer: CanonicalWriter) -> None:
    writer.start(element)
    for child in element.children:
        if isinstance(child, XmlElement):
            _replay(child, writer)
        elif isinstance(child, ProcessingInstruction):
            writer.processing_instruction(child)
        else:
            writer.text(child)
    writer.end()
