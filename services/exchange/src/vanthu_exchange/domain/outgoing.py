"""From what intake and routing ask (contract events) to the edXML packages that travel.

Pure mapping: ``OutgoingDocumentIssued`` gives the document's metadata, ``SendDocumentRequested``
what to do with it (new, revoke, update, replace) and to whom; ``SendStatusRequested`` gives a
status package. Names follow the glossary; edXML element names are in the models' docstrings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from vanthu_contracts.events.exchange import SendDocumentRequested, SendStatusRequested
from vanthu_contracts.events.intake import OutgoingDocumentIssued
from vanthu_contracts.events.values import BusinessType

from vanthu_exchange.domain.document_types import steering_code, type_code
from vanthu_exchange.domain.edxml import (
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
    split_document_code,
)


class NotExchangeable(Exception):
    """A request that can never be sent (the reason says why); it is not retried."""


def _organization(code: str, names: Mapping[str, str]) -> Organization:
    return Organization(agency_code=code, name=names.get(code))


def receiver_changes(
    earlier: Sequence[str], recipients: Sequence[str]
) -> tuple[ReceiverChange, ...]:
    """``ReceiverList`` of an update: who the update adds to, and removes from, the agencies
    the earlier document went to (ReceiverType 1 added, 0 removed), in a stable order."""
    before, after = set(earlier), set(recipients)
    added = [c for c in dict.fromkeys(recipients) if c not in before]
    removed = [c for c in dict.fromkeys(earlier) if c not in after]
    return tuple(
        [ReceiverChange(change=ReceiverChangeType.ADDED, agency_code=c) for c in added]
        + [ReceiverChange(change=ReceiverChangeType.REMOVED, agency_code=c) for c in removed]
    )


def _changes(
    request: SendDocumentRequested, earlier: Sequence[str] | None
) -> tuple[BusinessDocumentInfo | None, tuple[Replacement, ...]]:
    """The update's ``BussinessDocumentInfo`` or the replacement's ``ReplacementInfoList``.

    ``earlier`` is whom the target document was sent to, as this connector remembers it; when
    it sent nothing under that code (the target predates the system), the request's recipients
    stand in: an update then changes no receiver, and a replacement names them as the holders.
    """
    target = request.target_document_code
    holders = tuple(earlier) if earlier else tuple(request.recipients)
    if request.business_type is BusinessType.UPDATE:
        changes = receiver_changes(holders, request.recipients)
        # DocumentInfo / DocumentReceiver are 0-1 flags in the VNPT library: the document's
        # own fields changed (always, an update is a new version), the receivers changed or not.
        info = BusinessDocumentInfo(
            document_info="1", document_receiver="1" if changes else "0", receiver_changes=changes
        )
        return info, ()
    if request.business_type is BusinessType.REPLACE and target:
        return None, (Replacement(document_code=target, agency_codes=holders),)
    return None, ()


def document_package(
    document: OutgoingDocumentIssued,
    request: SendDocumentRequested,
    *,
    names: Mapping[str, str],
    sent_at: datetime,
    earlier_recipients: Sequence[str] | None = None,
) -> DocumentPackage:
    """The document package for ``request``; ``names`` maps agency codes to names (directory);
    ``earlier_recipients`` are the agencies the updated or replaced document went to."""
    if not document.confidentiality.may_be_exchanged:
        # QĐ 28/2018 keeps state secrets off the electronic exchange.
        raise NotExchangeable(
            f"document {document.document_id} is {document.confidentiality.value}: state "
            "secrets are never sent over the exchange"
        )
    if document.agency_code != request.agency_code:
        raise NotExchangeable(
            f"document {document.document_id} belongs to {document.agency_code}, "
            f"not to {request.agency_code}"
        )
    signer = document.signer
    revoke = request.business_type is BusinessType.REVOKE
    target = request.target_document_code
    header = MessageHeader(
        sender=_organization(document.agency_code, names),
        recipients=tuple(_organization(code, names) for code in request.recipients),
        # A revoke names the revoked document as its own id, the way the SDK's samples do,
        # and writes no Bussiness/DocumentId (ADR 0050).
        document_code=target if revoke and target else document.document_code,
        code=DocumentNumber(code_number=document.code_number, code_notation=document.code_notation),
        promulgation=Promulgation(place=document.place, promulgation_date=document.issued_date),
        document_type=DocumentType(
            type_code=type_code(document.document_type.name, document.document_type.code),
            type_detail="0",
            type_name=document.document_type.name,
        ),
        subject=document.abstract,
        content=document.content,
        signer=SignerInfo(
            competence=signer.competence, position=signer.position, full_name=signer.full_name
        ),
        due_date=document.due_date,
        other_info=OtherInfo(
            urgency=Urgency(document.urgency.edxml_priority),
            sphere_of_promulgation=document.sphere_of_promulgation,
            typer_notation=document.typer_notation,
            promulgation_amount=document.issued_amount,
            page_amount=document.page_count,
        ),
        to_places=tuple(r.name for r in document.recipients),
        steering_type=steering_code(document.steering_type),
    )
    document_info, replacements = _changes(request, earlier_recipients)
    business = Business(
        doc_type=BusinessDocType(request.business_type.edxml_code),
        document_code=target or document.document_code,
        document_code_in_business=not revoke,
        # The reason the clerk gave, or none: a template reason would be a statement no one made.
        reason=request.reason,
        staff=StaffInfo(department="Văn thư", staff=request.requested_by.full_name),
        document_info=document_info,
        replacements=replacements,
    )
    return DocumentPackage(
        message_header=header,
        trace_header_list=TraceHeaderList(
            trace_headers=(TraceHeader(agency_code=document.agency_code, timestamp=sent_at),),
            business=business,
        ),
    )


def status_package(
    request: SendStatusRequested, *, names: Mapping[str, str], sent_at: datetime
) -> StatusPackage:
    """The status package answering the sender's document ``request.in_response_to``."""
    parts = split_document_code(request.in_response_to)
    staff = request.staff
    return StatusPackage(
        sender=_organization(request.agency_code, names),
        response_for=ResponseFor(
            agency_code=request.to_agency_code,
            code=parts.number_and_notation if parts else None,
            promulgation_date=parts.promulgation_date if parts else None,
            document_code=request.in_response_to,
        ),
        staff=StaffInfo(
            department=staff.department, staff=staff.name, mobile=staff.phone, email=staff.email
        ),
        status_code=StatusCode(request.status_code.value),
        description=request.description,
        timestamp=sent_at.replace(microsecond=0),
    )
