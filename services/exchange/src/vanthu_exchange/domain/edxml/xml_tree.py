"""A small, faithful XML tree: it keeps the prefixes and namespace declarations as written.

lxml re-chooses prefixes when it builds or moves elements, and canonical XML (which signatures
are computed over) depends on the prefixes actually written, so the reader builds this instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class XmlAttribute:
    namespace: str | None
    local: str
    prefix: str | None
    value: str

    @property
    def qname(self) -> str:
        return f"{self.prefix}:{self.local}" if self.prefix else self.local


@dataclass(frozen=True)
class ProcessingInstruction:
    target: str
    data: str


@dataclass(eq=False)
class XmlElement:
    namespace: str | None
    local: str
    prefix: str | None
    attributes: tuple[XmlAttribute, ...] = ()
    declarations: tuple[tuple[str | None, str], ...] = ()
    """Namespace declarations written on this element: (prefix or None for default, URI)."""
    parent: XmlElement | None = None
    children: list[XmlElement | str | ProcessingInstruction] = field(default_factory=list)

    @property
    def qname(self) -> str:
        return f"{self.prefix}:{self.local}" if self.prefix else self.local

    def is_named(self, namespace: str | None, *locals_: str) -> bool:
        return self.namespace == namespace and self.local in locals_

    def elements(self) -> Iterator[XmlElement]:
        return (child for child in self.children if isinstance(child, XmlElement))

    def text(self) -> str:
        """The element's own character data (not its descendants'), stripped."""
        return "".join(child for child in self.children if isinstance(child, str)).strip()

    def attribute(self, local: str) -> str | None:
        for attribute in self.attributes:
            if attribute.namespace is None and attribute.local == local:
                return attribute.value
        return None

    def append_text(self, data: str) -> None:
        if self.children and isinstance(self.children[-1], str):
            self.children[-1] += data
        else:
            self.children.append(data)

    def in_scope_namespaces(self) -> dict[str | None, str]:
        """Every namespace binding visible on this element ('' for an undeclared default)."""
        chain: list[XmlElement] = []
        element: XmlElement | None = self
        while element is not None:
            chain.append(element)
            element = element.parent
        scope: dict[str | None, str] = {}
        for ancestor in reversed(chain):
            scope.update(ancestor.declarations)
        return scope
