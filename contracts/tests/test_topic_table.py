"""The topic table: the names users were given, one owner each, and who reads what."""

from __future__ import annotations

from vanthu_contracts import REGISTRY, TOPICS, all_topic_names, dlq_topic
from vanthu_contracts.registry import EventTypeName


def test_the_topics_keep_the_names_the_users_were_given():
    assert {"document.received", "task.assigned", "decision.recorded", "exchange.outbound"} <= set(
        TOPICS
    )


def test_every_event_type_travels_on_the_topic_that_lists_it():
    for cls in REGISTRY:
        assert cls.event_type in TOPICS[cls.topic].event_types
    listed = sorted(event_type for spec in TOPICS.values() for event_type in spec.event_types)
    assert listed == REGISTRY.event_types()


def test_every_event_type_is_named_after_the_owner_of_its_topic():
    for spec in TOPICS.values():
        for event_type in spec.event_types:
            assert EventTypeName.parse(event_type).owner == spec.owner


def test_each_topic_has_one_publisher_except_the_exchange_inbox():
    publishers = {name: spec.publishers for name, spec in TOPICS.items()}

    assert publishers == {
        "document.received": ("intake",),
        "task.assigned": ("routing",),
        "decision.recorded": ("routing",),
        "exchange.outbound": ("intake", "routing"),
        "exchange.inbound": ("exchange",),
        "exchange.status": ("exchange",),
        "task.deadline": ("routing",),
        "directory.changed": ("routing",),
        "archive.events": ("archive",),
    }


def test_each_topic_is_read_by_the_services_that_act_on_it():
    consumers = {name: set(spec.consumers) for name, spec in TOPICS.items()}

    assert consumers == {
        "document.received": {"routing", "exchange", "archive"},
        "task.assigned": {"routing", "archive"},
        "decision.recorded": {"archive", "intake"},  # intake keeps approved drafts (ADR 0012)
        "exchange.outbound": {"exchange", "archive"},
        "exchange.inbound": {"intake", "archive"},
        "exchange.status": {"routing", "intake", "archive"},
        "task.deadline": {"archive"},
        "directory.changed": {"intake", "exchange", "archive"},
        "archive.events": {"archive"},
    }


def test_dead_letters_go_to_a_dlq_twin_of_the_topic():
    assert dlq_topic("document.received") == "document.received.dlq"
    assert TOPICS["exchange.status"].dlq == "exchange.status.dlq"


def test_every_consumed_topic_gets_a_dead_letter_twin():
    names = all_topic_names()

    assert all(dlq_topic(name) in names for name, spec in TOPICS.items() if spec.consumers)
    assert len(names) == len(set(names)) == 2 * len(TOPICS)


def test_the_topic_list_without_dead_letters_is_just_the_topics():
    assert all_topic_names(include_dlq=False) == list(TOPICS)


def test_event_streams_are_kept_whole_and_only_the_directory_is_compacted():
    assert {name for name, spec in TOPICS.items() if spec.compacted} == {"directory.changed"}
