"""Old versions of an event stay readable: decoding walks the upcasters to the latest model.

The toy "notice" family lives in its own registry, so the published contracts never see it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from vanthu_contracts import (
    REGISTRY,
    Event,
    EventRegistry,
    InvalidPayload,
    MissingUpcaster,
    UnknownEventType,
    Upcasters,
    decode,
    encode,
)

V1 = "vanthu.test.notice.posted.v1"
V2 = "vanthu.test.notice.posted.v2"
V3 = "vanthu.test.notice.posted.v3"


class NoticePostedV1(Event):
    event_type: ClassVar[str] = V1
    topic: ClassVar[str] = "test.notices"

    document_id: str
    title: str


class NoticePostedV2(Event):
    event_type: ClassVar[str] = V2
    topic: ClassVar[str] = "test.notices"

    document_id: str
    title: str
    language: str


class NoticePosted(Event):
    """Version 3: the title became a headline."""

    event_type: ClassVar[str] = V3
    topic: ClassVar[str] = "test.notices"

    document_id: str
    headline: str
    language: str


def add_language(payload: dict[str, Any]) -> dict[str, Any]:
    # Every v1 notice was written in Vietnamese.
    return {**payload, "language": "vi"}


def rename_title_to_headline(payload: dict[str, Any]) -> dict[str, Any]:
    rest = {key: value for key, value in payload.items() if key != "title"}
    return {**rest, "headline": payload["title"]}


@pytest.fixture
def registry() -> EventRegistry:
    registry = EventRegistry()
    for cls in (NoticePostedV1, NoticePostedV2, NoticePosted):
        registry.register(cls)
    return registry


@pytest.fixture
def upcasters() -> Upcasters:
    upcasters = Upcasters()
    upcasters.upcaster(V1, V2)(add_language)
    upcasters.upcaster(V2, V3)(rename_title_to_headline)
    return upcasters


def _record_of(event: Event):
    return encode(event, source="/vanthu/intake")


def test_a_v1_record_is_read_as_the_latest_version_through_two_steps(registry, upcasters):
    record = _record_of(NoticePostedV1(document_id="doc-1", title="Thông báo nghỉ Tết"))

    decoded = decode(record.headers, record.value, registry=registry, upcasters=upcasters)

    assert decoded.event == NoticePosted(
        document_id="doc-1", headline="Thông báo nghỉ Tết", language="vi"
    )


def test_a_v2_record_takes_only_the_last_step(registry, upcasters):
    record = _record_of(NoticePostedV2(document_id="doc-2", title="Lịch họp", language="en"))

    decoded = decode(record.headers, record.value, registry=registry, upcasters=upcasters)

    assert decoded.event == NoticePosted(document_id="doc-2", headline="Lịch họp", language="en")


def test_a_latest_record_is_read_as_is(registry, upcasters):
    event = NoticePosted(document_id="doc-3", headline="Lịch trực", language="vi")
    record = _record_of(event)

    assert (
        decode(record.headers, record.value, registry=registry, upcasters=upcasters).event == event
    )


def test_the_envelope_still_says_which_version_was_sent(registry, upcasters):
    record = _record_of(NoticePostedV1(document_id="doc-1", title="Thông báo"))

    decoded = decode(record.headers, record.value, registry=registry, upcasters=upcasters)

    assert decoded.envelope.type == V1
    assert type(decoded.event).event_type == V3


def test_an_old_version_whose_model_was_deleted_is_still_read(upcasters):
    only_latest = EventRegistry()
    only_latest.register(NoticePosted)
    record = _record_of(NoticePostedV1(document_id="doc-4", title="Thông báo"))

    decoded = decode(record.headers, record.value, registry=only_latest, upcasters=upcasters)

    assert decoded.event == NoticePosted(document_id="doc-4", headline="Thông báo", language="vi")


def test_a_broken_old_record_is_refused_naming_the_field_the_producer_sent(registry, upcasters):
    record = _record_of(NoticePostedV1(document_id="doc-5", title="Thông báo"))
    broken = json.dumps({"document_id": "doc-5", "title": 42}).encode()

    with pytest.raises(InvalidPayload) as refused:
        decode(record.headers, broken, registry=registry, upcasters=upcasters)

    assert refused.value.event_type == V1
    assert refused.value.fields == ("title",)


def test_a_gap_in_the_chain_is_reported_instead_of_returning_an_old_model(registry):
    half_chain = Upcasters()
    half_chain.upcaster(V1, V2)(add_language)
    record = _record_of(NoticePostedV1(document_id="doc-6", title="Thông báo"))

    with pytest.raises(MissingUpcaster, match=r"notice\.posted\.v2.*notice\.posted\.v3"):
        decode(record.headers, record.value, registry=registry, upcasters=half_chain)


def test_upcasting_leaves_the_received_payload_untouched(upcasters):
    payload = {"document_id": "doc-7", "title": "Thông báo"}

    latest_type, latest = upcasters.upcast(V1, payload)

    assert latest_type == V3
    assert latest == {"document_id": "doc-7", "headline": "Thông báo", "language": "vi"}
    assert payload == {"document_id": "doc-7", "title": "Thông báo"}


def test_an_upcaster_may_not_skip_a_version():
    with pytest.raises(ValueError, match="next"):
        Upcasters().upcaster(V1, V3)


def test_an_upcaster_may_not_turn_one_event_into_another():
    with pytest.raises(ValueError, match="same event"):
        Upcasters().upcaster(V1, "vanthu.test.notice.removed.v2")


def test_a_step_cannot_be_registered_twice(upcasters):
    with pytest.raises(ValueError, match="already registered"):
        upcasters.upcaster(V1, V2)(add_language)


def test_the_toy_family_never_reaches_the_published_contracts(registry, upcasters):
    record = _record_of(NoticePostedV1(document_id="doc-8", title="Thông báo"))

    assert V1 not in REGISTRY
    with pytest.raises(UnknownEventType):
        decode(record.headers, record.value)


def test_a_type_name_without_version_cannot_be_registered():
    class Unversioned(Event):
        event_type: ClassVar[str] = "vanthu.test.notice.posted"
        topic: ClassVar[str] = "test.notices"

        document_id: str

    with pytest.raises(ValueError, match=r"v<N>"):
        EventRegistry().register(Unversioned)


def test_two_classes_cannot_claim_the_same_type(registry):
    class Impostor(Event):
        event_type: ClassVar[str] = V3
        topic: ClassVar[str] = "test.notices"

        document_id: str

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)
