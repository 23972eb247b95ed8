"""The topic table: who publishes on each topic, what travels on it, and who reads it.

Every topic but ``exchange.outbound`` has one owner that publishes all its events;
``exchange.outbound`` is the exchange's inbox, written by intake and routing. Each topic with
consumers has a ``<topic>.dlq`` twin for records a consumer could not handle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vanthu_contracts.events import archive, exchange, intake, routing
from vanthu_contracts.registry import REGISTRY

SERVICES = ("intake", "routing", "exchange", "archive")
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    """The service that specifies the topic's events."""
    event_types: tuple[str, ...]
    consumers: tuple[str, ...]
    compacted: bool = False
    description: str = ""
    publishers: tuple[str, ...] = field(default=())
    """Services that write to the topic; the owner alone unless said otherwise."""
    partitions: int = 6

    def __post_init__(self) -> None:
        if not self.publishers:
            object.__setattr__(self, "publishers", (self.owner,))

    @property
    def dlq(self) -> str:
        return dlq_topic(self.name)


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def _spec(
    name: str,
    owner: str,
    consumers: tuple[str, ...],
    description: str,
    publishers: tuple[str, ...] = (),
) -> TopicSpec:
    return TopicSpec(
        name=name,
        owner=owner,
        event_types=tuple(REGISTRY.on_topic(name)),
        consumers=consumers,
        description=description,
        publishers=publishers,
    )


TOPICS: Mapping[str, TopicSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            _spec(
                intake.DOCUMENT_RECEIVED_TOPIC,
                owner="intake",
                # exchange reads OutgoingDocumentIssued for the metadata and files it packages.
                consumers=("routing", "exchange", "archive"),
                description=(
                    "Documents entering and leaving the agency: registration, OCR, signature "
                    "checks, voided registrations, issued outgoing documents."
                ),
            ),
            _spec(
                routing.TASK_ASSIGNED_TOPIC,
                owner="routing",
                consumers=("routing", "archive"),
                description="Tasks on documents: assigned, progress, completed, returned.",
            ),
            _spec(
                routing.DECISION_RECORDED_TOPIC,
                owner="routing",
                # intake keeps the approved drafts (DraftApproved) the clerk numbers and issues.
                consumers=("intake", "archive"),
                description="Decisions on documents, including those recorded on a leader's behalf.",
            ),
            _spec(
                exchange.OUTBOUND_TOPIC,
                owner="exchange",
                publishers=("intake", "routing"),
                # Archive keeps every topic, so auditors can see what was asked of the exchange.
                consumers=("exchange", "archive"),
                description="Requests to the exchange: send a document, send a processing status.",
            ),
            _spec(
                exchange.INBOUND_TOPIC,
                owner="exchange",
                consumers=("intake", "archive"),
                description="edXML packages received from other agencies through the hub.",
            ),
            _spec(
                exchange.STATUS_TOPIC,
                owner="exchange",
                consumers=("routing", "intake", "archive"),
                description="Delivery of our packages and processing status reported by others.",
            ),
            _spec(
                routing.TASK_DEADLINE_TOPIC,
                owner="routing",
                consumers=("archive",),
                description=(
                    "Deadline notices on tasks, counted in working days: reminders before the "
                    "due date, escalation to the unit head and then the leader once overdue."
                ),
            ),
            TopicSpec(
                name=routing.DIRECTORY_CHANGED_TOPIC,
                owner="routing",
                event_types=tuple(REGISTRY.on_topic(routing.DIRECTORY_CHANGED_TOPIC)),
                # Every service keeps its own copy of the organisation directory.
                consumers=("intake", "exchange", "archive"),
                compacted=True,
                description=(
                    "The organisation directory: units, users and their roles, leader-secretary "
                    "delegations; compacted, keyed by entry, the latest record of each survives."
                ),
            ),
            _spec(
                archive.ARCHIVE_EVENTS_TOPIC,
                owner="archive",
                # The archive keeps its own events in its history like everyone else's.
                consumers=("archive",),
                description=(
                    "Records files due for hand-over, approved dispositions, and stored objects "
                    "whose fixity check failed."
                ),
            ),
        )
    }
)


def all_topic_names(include_dlq: bool = True) -> list[str]:
    """Every topic, plus a dead-letter twin for each topic that somebody consumes."""
    names = list(TOPICS)
    if include_dlq:
        names += [spec.dlq for spec in TOPICS.values() if spec.consumers]
    return names


def topics_published_by(service: str) -> list[TopicSpec]:
    return [spec for spec in TOPICS.values() if service in spec.publishers]


def topics_consumed_by(service: str) -> list[TopicSpec]:
    return [spec for spec in TOPICS.values() if service in spec.consumers]
