"""Agency identifier codes are recognised in both published shapes."""

from __future__ import annotations

import pytest
from vanthu_exchange.domain.agency_code import (
    AgencyCodeStyle,
    InvalidAgencyCode,
    agency_code_style,
    is_agency_code_syntax,
    is_level1,
    level1_code,
    qd20_parent,
)


@pytest.mark.parametrize(
    ("code", "style"),
    [
        ("000.00.00.G22", AgencyCodeStyle.QCVN_102_2016),
        ("001.00.10.H47", AgencyCodeStyle.QCVN_102_2016),
        ("G09", AgencyCodeStyle.QD_20_2020),
        ("G09.01", AgencyCodeStyle.QD_20_2020),
        ("H49.12.A3", AgencyCodeStyle.QD_20_2020),
    ],
)
def test_codes_of_either_standard_are_recognised(code, style):
    assert agency_code_style(code) is style


@pytest.mark.parametrize(
    "code", ["", "g09", "000.00.00.G2", "00.00.00.G22x", "G09..01", "G09." + "1" * 40, "Bộ Nội vụ"]
)
def test_strings_of_neither_shape_are_refused_with_both_forms_explained(code):
    with pytest.raises(InvalidAgencyCode, match=r"QCVN 102:2016 form .* QĐ 20/2020 form"):
        agency_code_style(code)


def test_the_level_one_agency_is_read_from_the_right_of_a_qcvn_102_code():
    assert level1_code("001.00.10.H47") == "000.00.00.H47"
    assert is_level1("000.00.00.H47")
    assert not is_level1("001.00.10.H47")


def test_the_level_one_agency_is_the_leftmost_group_of_a_qd_20_code():
    assert level1_code("G09.01.03") == "G09"
    assert is_level1("G09")


def test_a_qd_20_code_names_its_parent_by_dropping_its_last_group():
    assert qd20_parent("G09.01.03") == "G09.01"
    assert qd20_parent("G09.01") == "G09"
    assert qd20_parent("G09") is None


def test_a_qcvn_102_code_does_not_pretend_to_know_its_parent():
    with pytest.raises(InvalidAgencyCode):
        qd20_parent("001.00.10.H47")


@pytest.mark.parametrize("code", ["28.22.H17", "01.02.G22", "777.77.04.D77", "000.00.00.A80"])
def test_codes_seen_in_the_hubs_own_samples_pass_the_syntax_check(code):
    assert is_agency_code_syntax(code)


@pytest.mark.parametrize("code", ["", "000.00.00.h41", "A B", ".G22", "G22.", "x" * 36])
def test_the_syntax_check_refuses_other_characters_and_empty_groups(code):
    assert not is_agency_code_syntax(code)
