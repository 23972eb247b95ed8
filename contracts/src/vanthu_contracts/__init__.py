"""vanthu event contracts: the envelope, the codec, the topic table and the versioned events.

Importing the package registers every event, so ``decode`` knows all published types.
"""

from vanthu_contracts.codec import DecodedEvent, decode, decode_record, encode, envelope_for
from vanthu_contracts.envelope import Envelope, KafkaRecord
from vanthu_contracts.errors import (
    ContractError,
    InvalidHeader,
    InvalidPayload,
    MalformedJson,
    MissingHeader,
    MissingUpcaster,
    PayloadProblem,
    UnknownEventType,
)
from vanthu_contracts.events.base import Event
from vanthu_contracts.events.exchange import (
    DeliveryStatusChanged,
    PackageReceived,
    ProcessingStatusReceived,
    SendDocumentRequested,
    SendStatusRequested,
)
from vanthu_contracts.events.intake import (
    DocumentDigitized,
    DocumentReceived,
    DocumentVoided,
    OutgoingDocumentIssued,
    SignatureVerified,
)
from vanthu_contracts.events.routing import (
    DecisionRecorded,
    TaskAssigned,
    TaskCompleted,
    TaskProgressReported,
    TaskReturned,
)
from vanthu_contracts.registry import REGISTRY, EventRegistry, register_event
from vanthu_contracts.topics import (
    SERVICES,
    TOPICS,
    TopicSpec,
    all_topic_names,
    dlq_topic,
    topics_consumed_by,
    topics_published_by,
)
from vanthu_contracts.upcasting import UPCASTERS, Upcasters, upcaster

__all__ = [
    "REGISTRY",
    "SERVICES",
    "TOPICS",
    "UPCASTERS",
    "ContractError",
    "DecisionRecorded",
    "DecodedEvent",
    "DeliveryStatusChanged",
    "DocumentDigitized",
    "DocumentReceived",
    "DocumentVoided",
    "Envelope",
    "Event",
    "EventRegistry",
    "InvalidHeader",
    "InvalidPayload",
    "KafkaRecord",
    "MalformedJson",
    "MissingHeader",
    "MissingUpcaster",
    "OutgoingDocumentIssued",
    "PackageReceived",
    "PayloadProblem",
    "ProcessingStatusReceived",
    "SendDocumentRequested",
    "SendStatusRequested",
    "SignatureVerified",
    "TaskAssigned",
    "TaskCompleted",
    "TaskProgressReported",
    "TaskReturned",
    "TopicSpec",
    "UnknownEventType",
    "Upcasters",
    "all_topic_names",
    "decode",
    "decode_record",
    "dlq_topic",
    "encode",
    "envelope_for",
    "register_event",
    "topics_consumed_by",
    "topics_published_by",
    "upcaster",
]
