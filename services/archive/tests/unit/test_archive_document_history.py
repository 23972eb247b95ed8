"""What each event means for a document's timeline and its search record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from harness.samples import sample_event
from vanthu_archive.domain.document_history import HistoryItem, history_of, package_metadata
from vanthu_archive.domain.document_state import ChainPosition, FoldedRecord, state_as_of
from vanthu_contracts import Event, TaskAssigned, decode, encode
from vanthu_contracts.events.intake import CopyKind
from vanthu_contracts.events.values import Assignee, Confidentiality, TaskRole
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.visibility import may_see


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


SOURCE_ID = "7d1e9a52-3c4b-4f6e-8a0d-2b5c9e1f3a47"


def test_a_sao_y_is_on_its_sources_timeline_with_its_number_who_signed_and_who_sealed() -> None:
    item = history("vanthu.intake.copy.issued.v1")

    assert item.entry.document_id == SOURCE_ID
    assert item.entry.kind == "copied"
    assert item.entry.summary == ("Sao y số 05/SY-UBND, ký: Lê Văn Cường, đóng dấu: Trần Thị Bình")
    assert [(a.role, a.user_id) for a in item.entry.actors] == [
        ("signed_by", "u-cvp-0003"),
        ("sealed_by", "u-vt-0007"),
    ]
    assert item.entry.details["copy_id"] == "5f8e2c1a-7b3d-4e9f-a6c5-1d2e3f4a5b6c"


def test_a_trich_sao_names_the_pages_it_holds() -> None:
    item = history(
        "vanthu.intake.copy.issued.v1",
        kind=CopyKind.TRICH_SAO,
        pages=(3, 1),
        code_notation="TrS-UBND",
    )

    assert item.entry.summary.startswith("Trích sao số 05/TrS-UBND (trang 3, 1), ký: ")


def test_a_copy_is_found_as_a_document_of_its_own_with_its_file_kept_and_its_source_linked() -> (
    None
):
    item = history("vanthu.intake.copy.issued.v1")

    facts = item.facts
    assert facts.document_id == "5f8e2c1a-7b3d-4e9f-a6c5-1d2e3f4a5b6c"
    assert facts.related_ids == (SOURCE_ID,)
    assert facts.status == "issued"
    descriptive = facts.descriptive
    assert descriptive is not None
    assert (descriptive.notation, descriptive.direction) == ("05/SY-UBND", "copy")
    assert descriptive.subject == "Về việc giao chỉ tiêu biên chế công chức năm 2027"
    assert [(f.role, f.sha256) for f in facts.files] == [
        ("original", "3b1f0c6e9d2a4b7c8e5f1a0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b")
    ]


def _sees(item: HistoryItem, user_id: str) -> bool:
    descriptive = item.facts.descriptive
    assert descriptive is not None
    principal = Principal(
        user_id=user_id, agency_code="000.00.00.H41", roles=frozenset({Role.LEADER})
    )
    return may_see(
        principal,
        agency_code=str(item.facts.agency_code),
        confidentiality=descriptive.confidentiality,
        readers=descriptive.readers,
        registered_by=descriptive.registered_by,
    )


def test_a_copy_of_a_confidential_document_is_seen_only_by_those_who_may_see_its_source() -> None:
    item = history(
        "vanthu.intake.copy.issued.v1",
        confidentiality=Confidentiality.SECRET,
        readers=("u-ld-0001", "u-vt-0002"),
    )

    assert [_sees(item, user) for user in ("u-ld-0001", "u-vt-0002", "u-vt-0007")] == [
        True,
        True,
        True,  # the clerk who sealed it (he could read the source to seal it)
    ]
    assert not _sees(item, "u-ld-0009")
    assert _sees(history("vanthu.intake.copy.issued.v1"), "u-ld-0009")


def test_a_paper_documents_electronic_copy_names_the_clerk_and_no_number() -> None:
    item = history(
        "vanthu.intake.copy.issued.v1",
        kind=CopyKind.CONVERSION,
        code_number=None,
        code_notation=None,
        year=None,
        signer=None,
        signed_by=None,
    )

    assert item.entry.document_id == SOURCE_ID
    assert item.entry.summary == "Chuyển đổi sang bản điện tử, ký số: Trần Thị Bình"
    assert [(a.role, a.user_id) for a in item.entry.actors] == [("sealed_by", "u-vt-0007")]
    assert item.facts.descriptive is not None
    assert item.facts.descriptive.notation == ""


def test_a_copy_as_of_a_moment_has_its_own_status_not_that_of_its_worked_on_source() -> None:
    copy = _folded(sample_event("vanthu.intake.copy.issued.v1"), offset=2)
    later = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # after the copy was issued
    assigned = sample_event("vanthu.routing.task.assigned.v1", document_id=SOURCE_ID)
    assert isinstance(assigned, TaskAssigned)
    done = sample_event(
        "vanthu.routing.task.completed.v1",
        document_id=SOURCE_ID,
        task_id=assigned.task_id,
        completed_at=later,
    )

    state = state_as_of(
        "5f8e2c1a-7b3d-4e9f-a6c5-1d2e3f4a5b6c",
        later,
        [copy, _folded(assigned, offset=3), _folded(done, offset=4)],
    )

    assert state.status == "issued"
    assert state.tasks == []
    assert sorted(e.kind for e in state.entries) == [
        "assigned",
        "completed",
        "copied",
    ]  # the history it shows


def _folded(event: Event, offset: int) -> FoldedRecord:
    record = encode(event, source="/vanthu/tests", event_id=str(uuid.uuid4()))
    decoded = decode(list(record.headers), record.value)
    position = ChainPosition(
        "document.received", 0, offset, "00", datetime(2026, 11, 30, tzinfo=UTC)
    )
    return FoldedRecord(position, decoded.envelope, decoded.event)


def test_a_copy_is_bagged_under_the_copies_register_with_its_own_number() -> None:
    metadata = package_metadata(sample_event("vanthu.intake.copy.issued.v1"))

    assert metadata is not None
    assert metadata.document_id == "5f8e2c1a-7b3d-4e9f-a6c5-1d2e3f4a5b6c"
    assert (metadata.register.value, metadata.code_number, metadata.code_notation) == (
        "copies",
        "05",
        "SY-UBND",
    )
    assert metadata.description == "Sao y"
