from datetime import UTC, datetime, timedelta, timezone

import pytest
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.numbering import (
    Register,
    RegisterKey,
    format_arrival_number,
    format_outgoing_number,
    missing_numbers,
    next_number,
    outgoing_register_for,
    register_key,
)
from vanthu_intake.domain.vietnam_time import NaiveDatetime

VIETNAM_OFFSET = timezone(timedelta(hours=7))


def test_a_document_received_late_on_new_years_eve_in_hanoi_is_in_that_year() -> None:
    instant = datetime(2026, 12, 31, 23, 30, tzinfo=VIETNAM_OFFSET)
    key = register_key("000.00.00.H41", Register.INCOMING, instant)
    assert key == RegisterKey("000.00.00.H41", Register.INCOMING, 2026)


def test_evening_of_new_years_eve_in_utc_is_already_next_year_in_vietnam() -> None:
    instant = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert register_key("000.00.00.H41", Register.INCOMING, instant).year == 2027


def test_the_last_minute_before_midnight_in_vietnam_stays_in_the_old_year() -> None:
    instant = datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)
    assert register_key("000.00.00.H41", Register.OUTGOING, instant).year == 2026


def test_each_agency_and_register_has_its_own_series() -> None:
    instant = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    keys = {
        register_key("000.00.00.H41", Register.INCOMING, instant),
        register_key("000.00.00.H41", Register.OUTGOING, instant),
        register_key("000.00.00.H14", Register.INCOMING, instant),
    }
    assert len(keys) == 3


def test_the_agency_code_in_a_register_key_is_normalised_so_one_agency_has_one_series() -> None:
    instant = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert register_key(" 000.00.00.h41", Register.INCOMING, instant).agency_code == (
        "000.00.00.H41"
    )


def test_a_time_without_a_zone_cannot_be_placed_in_a_register() -> None:
    with pytest.raises(NaiveDatetime, match="no time zone"):
        register_key("000.00.00.H41", Register.INCOMING, datetime(2026, 3, 1, 9, 0))  # noqa: DTZ001


def test_secret_documents_are_numbered_apart_from_ordinary_outgoing_ones() -> None:
    assert outgoing_register_for(Confidentiality.NORMAL) is Register.OUTGOING
    assert outgoing_register_for(Confidentiality.SECRET) is Register.OUTGOING_CONFIDENTIAL


def test_numbering_starts_at_one_and_counts_up() -> None:
    assert next_number(None) == 1
    assert next_number(1) == 2
    assert next_number(41) == 42


def test_a_register_claiming_to_end_at_zero_is_an_error() -> None:
    with pytest.raises(ValueError, match="never holds number 0"):
        next_number(0)


def test_a_voided_number_is_not_given_again() -> None:
    # Number 3 was voided: the register still holds it, so the next document gets 4.
    assigned = [1, 2, 3]
    assert next_number(max(assigned)) == 4
    assert missing_numbers(assigned) == []


def test_gaps_in_a_register_are_reported() -> None:
    assert missing_numbers([1, 2, 5, 3]) == [4]
    assert missing_numbers([2]) == [1]
    assert missing_numbers([]) == []


def test_arrival_numbers_are_shown_as_plain_integers() -> None:
    assert format_arrival_number(7) == "7"
    assert format_arrival_number(1024) == "1024"


def test_outgoing_numbers_below_ten_are_shown_with_a_leading_zero() -> None:
    assert [format_outgoing_number(n) for n in (1, 9, 10, 123)] == ["01", "09", "10", "123"]


@pytest.mark.parametrize("number", [0, -1])
def test_there_is_no_number_zero_or_below(number: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_outgoing_number(number)
    with pytest.raises(ValueError, match="start at 1"):
        format_arrival_number(number)
