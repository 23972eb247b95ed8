"""Why a package was refused.

Every refusal is a ``PackageRejected`` with a human ``reason`` and a stable machine ``code``
(safe to put in logs, dead-letter headers and status packages). When reading stops with a
refusal, whatever was already written to attachment sinks belongs to a refused package: the
caller must discard it. ``discard_content_ids`` lists the sinks that were opened.
"""

from __future__ import annotations

from typing import ClassVar


class PackageRejected(Exception):
    code: ClassVar[str] = "package_rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.discard_content_ids: tuple[str, ...] = ()


class UnsafeXml(PackageRejected):
    """DOCTYPE, entity declarations or external entities: never needed by edXML, used by attacks."""

    code = "unsafe_xml"


class MalformedXml(PackageRejected):
    code = "malformed_xml"


class PackageTooLarge(PackageRejected):
    code = "package_too_large"


class NotAnEdxmlPackage(PackageRejected):
    code = "not_edxml"


class MissingField(PackageRejected):
    code = "missing_field"

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is missing")
        self.field = field


class MalformedField(PackageRejected):
    code = "malformed_field"

    def __init__(self, field: str, value: str, expected: str) -> None:
        super().__init__(f"{field} {value!r} is not {expected}")
        self.field = field
        self.value = value


class UnknownStatusCode(MalformedField):
    code = "unknown_status_code"


class UnknownAgency(PackageRejected):
    code = "unknown_agency"

    def __init__(self, field: str, agency_code: str) -> None:
        super().__init__(f"{field} {agency_code!r} is not a known agency")
        self.field = field
        self.agency_code = agency_code


class MalformedAttachment(PackageRejected):
    code = "malformed_attachment"


class PackageBuildError(ValueError):
    """The caller asked the builder for a package it cannot write honestly."""


class InvalidPackage(PackageRejected):
    """Every field is readable, but together they break a rule (e.g. a revoke naming nothing)."""

    code = "invalid_package"
