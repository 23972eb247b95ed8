from datetime import UTC, datetime, timedelta

from vanthu_intake.domain.vietnam_time import vietnam_today
from vanthu_intake.domain.vietnamese_text import collapse_whitespace, fold_for_matching, to_nfc


def test_folding_ignores_accents_case_and_tone_mark_placement() -> None:
    assert fold_for_matching("Giấy uỷ quyền") == fold_for_matching("GIẤY ỦY QUYỀN")
    assert fold_for_matching("Đề án") == "de an"


def test_text_mangled_through_windows_1252_gets_its_d_with_stroke_back() -> None:
    assert to_nfc("\u00d0ề án") == "Đề án"


def test_line_breaks_and_runs_of_spaces_become_single_spaces() -> None:
    assert collapse_whitespace("  Về việc\n\tban   hành ") == "Về việc ban hành"


def test_today_in_vietnam_is_the_utc_date_or_the_day_after() -> None:
    before = datetime.now(UTC).date()
    today = vietnam_today()
    after = datetime.now(UTC).date()
    assert before <= today <= after + timedelta(days=1)
