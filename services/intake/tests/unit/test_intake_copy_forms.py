"""What a copy holds and how it is numbered (ND 30 Phụ lục I part III; ADR 0019 addendum)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from vanthu_intake.domain.copies import (
    CONVERSION_MARK,
    CopyKind,
    PageChoiceError,
    chosen_pages,
    conversion_mark_text,
    copy_notation,
)


def test_a_sao_y_holds_every_page_of_its_source() -> None:
    assert chosen_pages(CopyKind.SAO_Y, [], 3) == [1, 2, 3]


def test_a_trich_sao_holds_the_chosen_pages_in_the_order_given() -> None:
    assert chosen_pages(CopyKind.TRICH_SAO, [4, 2], 5) == [4, 2]


@pytest.mark.parametrize(
    ("kind", "pages", "index", "said"),
    [
        (CopyKind.TRICH_SAO, [1, 6], 1, "trang 6 không có"),
        (CopyKind.TRICH_SAO, [2, 2], 1, "hai lần"),
        (CopyKind.TRICH_SAO, [], None, "ít nhất một trang"),
        (CopyKind.SAO_Y, [1], None, "không chọn trang"),
    ],
)
def test_a_page_choice_that_cannot_be_made_says_which_page(
    kind: CopyKind, pages: list[int], index: int | None, said: str
) -> None:
    with pytest.raises(PageChoiceError) as raised:
        chosen_pages(kind, pages, 5)
    assert raised.value.index == index
    assert said in str(raised.value)


def test_the_copy_notation_is_its_number_the_kind_and_the_agency() -> None:
    assert copy_notation(5, CopyKind.SAO_Y, "UBND") == ("05", "SY-UBND")
    assert copy_notation(12, CopyKind.TRICH_SAO, "BNV") == ("12", "TrS-BNV")
    assert copy_notation(1, CopyKind.SAO_LUC, "VPCP") == ("01", "SL-VPCP")


def test_the_conversion_mark_says_what_who_and_when_in_vietnams_time() -> None:
    mark = conversion_mark_text(
        "Văn phòng Chính phủ",
        "Trần Thị B (vanthu1)",
        datetime(2026, 12, 1, 20, 30, 15, 123, tzinfo=UTC),
    )
    assert mark.splitlines() == [
        CONVERSION_MARK,
        "Văn phòng Chính phủ",
        "Người chuyển đổi: Trần Thị B (vanthu1)",
        "Thời điểm: 2026-12-02T03:30:15+07:00",
    ]
