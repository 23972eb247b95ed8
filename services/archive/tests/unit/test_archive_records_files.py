"""File plans, records files, hand-over alerts and disposal, as ND 30 chapter IV has them."""

from __future__ import annotations

from datetime import date

import pytest
from vanthu_archive.domain.records_files import (
    DispositionRefused,
    DispositionState,
    DocumentNotInFile,
    FilePlan,
    FilePlanEntry,
    InvalidTransition,
    RecordsFile,
    RecordsFileStatus,
    RetentionPeriod,
    UnknownFilePlanEntry,
    due_for_handover_alerts,
    files_containing,
    open_records_file,
)

AGENCY = "000.00.00.G22"
PLAN = FilePlan(
    AGENCY,
    2024,
    (
        FilePlanEntry(
            "01.01", "Hồ sơ xây dựng quy chế làm việc", RetentionPeriod.of_years(20), "VP"
        ),
        FilePlanEntry(
            "01.02", "Hồ sơ tổ chức hội nghị tổng kết", RetentionPeriod.permanent(), "VP"
        ),
        FilePlanEntry("02.07", "Tập công văn trao đổi", RetentionPeriod.of_years(2), "TCCB"),
        FilePlanEntry(
            "05.01",
            "Hồ sơ công trình trụ sở",
            RetentionPeriod.of_years(10),
            "KHTC",
            construction_project=True,
        ),
    ),
)


def opened(code: str = "01.01", file_id: str = "f-1", on: date = date(2024, 1, 15)) -> RecordsFile:
    return open_records_file(PLAN, code, file_id, on)


def closed(code: str = "01.01", on: date = date(2024, 6, 30), file_id: str = "f-1") -> RecordsFile:
    records_file = opened(code, file_id)
    records_file.add_document("doc-1")
    records_file.close(on)
    return records_file


def test_a_file_opened_from_the_plan_takes_its_title_retention_and_unit() -> None:
    records_file = opened("01.01")

    assert (records_file.year, records_file.notation) == (2024, "01.01")
    assert records_file.title == "Hồ sơ xây dựng quy chế làm việc"
    assert records_file.retention.label == "20 năm"
    assert records_file.responsible_unit == "VP"
    assert records_file.status is RecordsFileStatus.OPEN


def test_a_file_cannot_be_opened_from_a_code_the_plan_lacks_or_in_another_year() -> None:
    with pytest.raises(UnknownFilePlanEntry, match=r"99\.99"):
        open_records_file(PLAN, "99.99", "f-x", date(2024, 2, 1))
    with pytest.raises(InvalidTransition, match="2024 plan"):
        open_records_file(PLAN, "01.01", "f-x", date(2025, 2, 1))


def test_a_file_plan_refuses_two_entries_with_one_code() -> None:
    with pytest.raises(ValueError, match=r"01\.01"):
        PLAN.with_entry(FilePlanEntry("01.01", "Trùng mã", RetentionPeriod.of_years(5), "VP"))


def test_documents_are_numbered_in_the_order_they_are_filed() -> None:
    records_file = opened()

    assert [records_file.add_document(doc) for doc in ("doc-a", "doc-b", "doc-c")] == [1, 2, 3]
    records_file.remove_document("doc-a")
    assert records_file.ordinal_of("doc-c") == 2


def test_filing_a_document_twice_keeps_one_entry() -> None:
    records_file = opened()
    records_file.add_document("doc-a")

    assert records_file.add_document("doc-a") == 1
    assert records_file.document_ids == ["doc-a"]


def test_one_document_may_sit_in_several_files() -> None:
    minutes, correspondence = opened("01.01", "f-1"), opened("02.07", "f-2")
    other = opened("01.02", "f-3")
    minutes.add_document("doc-shared")
    correspondence.add_document("doc-shared")
    other.add_document("doc-other")

    holders = files_containing([minutes, correspondence, other], "doc-shared")

    assert [records_file.file_id for records_file in holders] == ["f-1", "f-2"]


def test_removing_a_document_that_is_not_there_says_so() -> None:
    with pytest.raises(DocumentNotInFile, match="doc-missing"):
        opened().remove_document("doc-missing")


def test_a_closed_file_takes_no_more_documents_and_loses_none() -> None:
    records_file = closed()

    with pytest.raises(InvalidTransition, match="it is closed"):
        records_file.add_document("doc-2")
    with pytest.raises(InvalidTransition, match="it is closed"):
        records_file.remove_document("doc-1")
    with pytest.raises(InvalidTransition, match="it is closed"):
        records_file.close(date(2024, 7, 1))


def test_an_empty_file_or_a_closing_before_opening_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="empty"):
        opened().close(date(2024, 6, 1))
    records_file = opened(on=date(2024, 3, 1))
    records_file.add_document("doc-1")
    with pytest.raises(InvalidTransition, match="cannot close"):
        records_file.close(date(2024, 2, 1))


def test_the_retention_rechecked_at_closing_replaces_the_planned_one() -> None:
    records_file = opened()
    records_file.add_document("doc-1")

    records_file.close(date(2024, 6, 30), retention=RetentionPeriod.permanent())

    assert records_file.retention.is_permanent
    assert records_file.retention_expires_on is None


def test_retention_runs_from_the_closing_date() -> None:
    assert closed("01.01", date(2024, 6, 30)).retention_expires_on == date(2044, 6, 30)
    assert closed("02.07", date(2024, 2, 29)).retention_expires_on == date(2026, 2, 28)
    assert opened().retention_expires_on is None


def test_hand_over_is_due_a_year_after_closing_or_three_months_for_construction() -> None:
    assert closed("01.01", date(2024, 6, 30)).handover_due_on == date(2025, 6, 30)
    assert closed("05.01", date(2024, 11, 30)).handover_due_on == date(2025, 2, 28)
    assert opened().handover_due_on is None


def test_the_hand_over_alert_comes_thirty_days_ahead_and_only_once() -> None:
    due_in_30 = closed("01.01", date(2024, 6, 30), "due-in-30")
    due_in_31 = closed("01.01", date(2024, 7, 1), "due-in-31")
    overdue = closed("01.02", date(2024, 3, 1), "overdue")
    already_told = closed("01.01", date(2024, 6, 1), "told")
    already_told.mark_handover_alerted(date(2025, 5, 2))
    kept_at_unit = closed("02.07", date(2024, 6, 1), "short-retention")
    handed_over = closed("01.01", date(2024, 6, 1), "handed-over")
    handed_over.record_handover(date(2025, 5, 1))
    still_open = opened(file_id="open")

    alerts = due_for_handover_alerts(
        [due_in_30, due_in_31, overdue, already_told, kept_at_unit, handed_over, still_open],
        today=date(2025, 5, 31),
    )

    assert [records_file.file_id for records_file in alerts] == ["due-in-30", "overdue"]


def test_marking_an_alert_twice_keeps_the_first_date() -> None:
    records_file = closed()
    records_file.mark_handover_alerted(date(2025, 6, 1))
    records_file.mark_handover_alerted(date(2025, 6, 2))

    assert records_file.handover_alerted_on == date(2025, 6, 1)


def test_an_open_file_cannot_be_handed_over() -> None:
    with pytest.raises(InvalidTransition, match="hand over"):
        opened().record_handover(date(2024, 12, 1))


def test_an_expired_file_is_disposed_of_after_someone_else_approves() -> None:
    records_file = closed("02.07", date(2024, 6, 30))

    records_file.propose_disposition("u-archivist", date(2026, 7, 1), "hết thời hạn bảo quản")
    records_file.approve_disposition("u-head", date(2026, 7, 5), "đồng ý")
    records_file.record_disposal("u-archivist", date(2026, 7, 10))

    disposition = records_file.disposition
    assert disposition is not None
    assert disposition.state is DispositionState.DISPOSED
    assert (disposition.decided_by, disposition.disposed_on) == ("u-head", date(2026, 7, 10))
    assert records_file.status is RecordsFileStatus.DISPOSED
    assert records_file.document_ids == ["doc-1"]


def test_a_permanent_file_can_never_be_proposed_for_disposal() -> None:
    with pytest.raises(DispositionRefused, match="permanently"):
        closed("01.02").propose_disposition("u-archivist", date(2090, 1, 1), "dọn kho")


def test_disposal_cannot_be_proposed_before_the_retention_ends() -> None:
    records_file = closed("02.07", date(2024, 6, 30))

    with pytest.raises(DispositionRefused, match="until 2026-06-30"):
        records_file.propose_disposition("u-archivist", date(2026, 6, 29), "sớm")


def test_disposal_cannot_be_proposed_for_an_open_file() -> None:
    with pytest.raises(InvalidTransition, match="only a closed file"):
        opened("02.07").propose_disposition("u-archivist", date(2030, 1, 1), "hết hạn")


def test_the_proposer_cannot_approve_their_own_disposal() -> None:
    records_file = closed("02.07", date(2024, 6, 30))
    records_file.propose_disposition("u-archivist", date(2026, 7, 1), "hết hạn")

    with pytest.raises(InvalidTransition, match="someone other than its proposer"):
        records_file.approve_disposition("u-archivist", date(2026, 7, 2))


def test_nothing_is_destroyed_without_an_approval() -> None:
    records_file = closed("02.07", date(2024, 6, 30))
    with pytest.raises(InvalidTransition, match="none was proposed"):
        records_file.record_disposal("u-archivist", date(2026, 7, 1))

    records_file.propose_disposition("u-archivist", date(2026, 7, 1), "hết hạn")
    with pytest.raises(InvalidTransition, match="the disposition is proposed"):
        records_file.record_disposal("u-archivist", date(2026, 7, 2))
    assert records_file.status is RecordsFileStatus.CLOSED


def test_a_rejected_disposal_stays_rejected_but_may_be_proposed_anew() -> None:
    records_file = closed("02.07", date(2024, 6, 30))
    records_file.propose_disposition("u-archivist", date(2026, 7, 1), "hết hạn")
    records_file.reject_disposition("u-head", date(2026, 7, 3), "còn giá trị tra cứu")

    with pytest.raises(InvalidTransition, match="the disposition is rejected"):
        records_file.approve_disposition("u-head", date(2026, 7, 4))
    records_file.propose_disposition("u-archivist", date(2027, 7, 1), "xem xét lại")
    with pytest.raises(InvalidTransition, match="already has a disposition that is proposed"):
        records_file.propose_disposition("u-archivist", date(2027, 7, 2), "lần nữa")

    assert [d.state for d in records_file.dispositions] == [
        DispositionState.REJECTED,
        DispositionState.PROPOSED,
    ]


def test_a_disposition_cannot_be_decided_before_it_was_proposed() -> None:
    records_file = closed("02.07", date(2024, 6, 30))
    records_file.propose_disposition("u-archivist", date(2026, 7, 10), "hết hạn")

    with pytest.raises(InvalidTransition, match="before it was proposed"):
        records_file.approve_disposition("u-head", date(2026, 7, 1))
