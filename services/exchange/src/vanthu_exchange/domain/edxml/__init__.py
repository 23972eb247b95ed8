"""edXML (QCVN 102:2016) packages: models, builder, streaming reader and XML-DSig.

Pure format layer: it reads from and writes to file-like objects the caller provides and does
no other I/O. Typical use::

    descriptors = write_document_package(sink, package, attachments, signer=signer)
    read = read_package(source, open_sink, known_agency=directory.contains)
    verdict = verify_package_signature(read, directory.certificates_of)
"""

from vanthu_exchange.domain.edxml.builder import (
    AttachmentSource,
    write_document_package,
    write_status_package,
)
from vanthu_exchange.domain.edxml.models import (
    AttachmentDescriptor,
    AttachmentInfo,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    DocumentNumber,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    Promulgation,
    ReceiverChange,
    ReceiverChangeType,
    Replacement,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    Urgency,
)
from vanthu_exchange.domain.edxml.parser import KnownAgency, ReadPackage, read_package
from vanthu_exchange.domain.edxml.rejections import (
    InvalidPackage,
    MalformedAttachment,
    MalformedField,
    MalformedXml,
    MissingField,
    NotAnEdxmlPackage,
    PackageBuildError,
    PackageRejected,
    PackageTooLarge,
    UnknownAgency,
    UnknownStatusCode,
    UnsafeXml,
)
from vanthu_exchange.domain.edxml.secure_reader import (
    AttachmentSinkOpener,
    AttachmentStart,
    ReadLimits,
)
from vanthu_exchange.domain.edxml.signature import (
    PackageSigner,
    SignatureStatus,
    SignatureVerdict,
    TrustedCertificates,
    verify_package_signature,
)
from vanthu_exchange.domain.edxml.wire_format import (
    compose_document_code,
    format_date,
    format_timestamp,
    parse_date,
    parse_timestamp,
    split_document_code,
)

__all__ = [
    "AttachmentDescriptor",
    "AttachmentInfo",
    "AttachmentSinkOpener",
    "AttachmentSource",
    "AttachmentStart",
    "Business",
    "BusinessDocType",
    "BusinessDocumentInfo",
    "DocumentNumber",
    "DocumentPackage",
    "DocumentType",
    "InvalidPackage",
    "KnownAgency",
    "MalformedAttachment",
    "MalformedField",
    "MalformedXml",
    "MessageHeader",
    "MissingField",
    "NotAnEdxmlPackage",
    "Organization",
    "OtherInfo",
    "PackageBuildError",
    "PackageRejected",
    "PackageSigner",
    "PackageTooLarge",
    "Promulgation",
    "ReadLimits",
    "ReadPackage",
    "ReceiverChange",
    "ReceiverChangeType",
    "Replacement",
    "ResponseFor",
    "SignatureStatus",
    "SignatureVerdict",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TraceHeader",
    "TraceHeaderList",
    "TrustedCertificates",
    "UnknownAgency",
    "UnknownStatusCode",
    "UnsafeXml",
    "Urgency",
    "compose_document_code",
    "format_date",
    "format_timestamp",
    "parse_date",
    "parse_timestamp",
    "read_package",
    "split_document_code",
    "verify_package_signature",
    "write_document_package",
    "write_status_package",
]
