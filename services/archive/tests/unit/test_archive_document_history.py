"""What each event means for a document's timeline and its search record."""

from __future__ import annotations

import uuid

from harness.samples import sample_event
from vanthu_archive.domain.document_history import HistoryItem, history_of, package_metadata
from vanthu_contracts import decode, encode
from vanthu_contracts.events.values import Assignee, TaskRole


def history(event_type: str, **changes: object) -> HistoryItem:
    record = encode(
        sample_event(event_type, **changes), source="/vanthu/tests", event_id=str(uuid.uuid4())
    )
    decoded = decode(list(record.headers), record.value)
    item = history_of(decoded.envelope, decoded.event)
    assert item is not None
    return item


def test_a_decision_entered_for_a_leader_names_both_the_leader_and_who_typed_it() -> None:
    item = history("vanthu.routing.decision.recorded.v1")

    assert item.entry.kind == "decided"
    assert item.entry.on_behalf
    assert {(a.role, a.user_id) for a in item.entry.actors} == {
        ("decided_by", "u-lds-0002"),
        ("recorded_by", "u-tk-0011"),
    }
    assert "nhập thay: Hoàng Thu Trang" in item.entry.summary


def test_a_task_names_the_unit_and_the_person_who_then_list_the_document() -> None:
    unit_task = history("vanthu.routing.task.assigned.v1")
    for_information = history(
        "vanthu.routing.task.assigned.v1",
        role=TaskRole.INFORMATION,
        assignee=Assignee(unit_id="unit-tc", user_id="u-cv-7"),
    )

    assert unit_task.facts.task_unit_ids == ("unit-vx",)
    assert unit_task.facts.task_user_ids == ()
    assert unit_task.facts.information_unit_ids == ()
    assert for_information.facts.task_unit_ids == ("unit-tc",)
    assert for_information.facts.task_user_ids == ("u-cv-7",)
    assert for_information.facts.information_unit_ids == ("unit-tc",)


def test_a_registration_carries_the_fields_search_needs_and_its_original_for_fixity() -> None:
    item = history("vanthu.intake.document.received.v1")

    descriptive = item.facts.descriptive
    assert descriptive is not None
    assert descriptive.notation == "15/QĐ-BNV"
    assert descriptive.confidentiality == "normal"
    assert item.facts.status == "registered"
    assert [f.role for f in item.facts.files] == ["original"]
    assert item.facts.related_ids == ("a9f3e2d1-4c5b-4a6d-8e7f-1b2c3d4e5f60",)


def test_a_task_completion_moves_the_status_and_names_who_completed_it() -> None:
    item = history("vanthu.routing.task.completed.v1")

    assert item.facts.status == "completed"
    assert [(a.role, a.user_id) for a in item.entry.actors] == [("completed_by", "u-vx-0003")]


def test_a_package_from_another_agency_is_history_of_the_package_until_registered() -> None:
    item = history("vanthu.exchange.package.received.v1")

    assert item.entry.kind == "exchanged_in"
    assert item.entry.document_id == item.facts.document_id
    assert item.facts.descriptive is None


def test_package_metadata_follows_appendix_vi_for_an_incoming_document() -> None:
    event = sample_event("vanthu.intake.document.received.v1")

    metadata = package_metadata(event)

    assert metadata is not None
    assert metadata.arrival_number == 1234
    assert metadata.organ_name == "Bộ Nội vụ"
    assert metadata.signer_full_name == "Nguyễn Văn An"
    assert package_metadata(sample_event("vanthu.routing.task.assigned.v1")) is None


def test_an_urging_is_on_the_timeline_with_who_urged_whom_how_hard_and_which_time() -> None:
    item = history("vanthu.routing.task.urged.v1")

    assert item.entry.kind == "urged"
    assert item.entry.summary.startswith("Phê bình (lần 2) u-kt-0011: Đã quá hạn 3 ngày")
    # who urged acted; who was told did not (the auditor's "what one person did")
    assert [(a.role, a.user_id) for a in item.entry.actors] == [("urged_by", "u-ld-0001")]
    assert item.entry.details["told_user_ids"] == ["u-kt-0011"]
    assert item.entry.details["task_id"] == "t-2026-000872"
    assert item.facts.status is None  # the task and the document's status are unchanged
