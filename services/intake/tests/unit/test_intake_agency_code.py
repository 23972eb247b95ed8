import pytest
from vanthu_intake.domain.agency_code import (
    AgencyCodeStyle,
    InvalidAgencyCode,
    agency_code_style,
    parse_agency_code,
)


@pytest.mark.parametrize("code", ["000.00.00.G22", "001.00.10.H47", "000.00.00.A80"])
def test_qcvn_102_codes_are_accepted(code: str) -> None:
    assert agency_code_style(code) is AgencyCodeStyle.QCVN_102_2016


@pytest.mark.parametrize("code", ["G22", "G09.01", "H41.12.003"])
def test_codes_of_decision_20_2020_are_accepted(code: str) -> None:
    assert agency_code_style(code) is AgencyCodeStyle.QD_20_2020


def test_a_code_is_stored_trimmed_and_in_capitals() -> None:
    assert parse_agency_code(" 000.00.00.g22 ") == "000.00.00.G22"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "00.00.00.G22",
        "000.00.00.22G",
        "000-00-00-G22",
        "G09..01",
        "G09.01.",
        "GĐ9",
        "G09." + "1" * 32,
    ],
)
def test_malformed_codes_are_refused_with_both_expected_shapes(code: str) -> None:
    with pytest.raises(InvalidAgencyCode, match=r"NNN\.NN\.NN\.XNN.*G09\.01"):
        parse_agency_code(code)


def test_a_vdxp_test_environment_code_is_kept_as_written_and_a_lower_case_production_code_is_not():
    assert parse_agency_code("vxp.saas.03") == "vxp.saas.03"
    assert parse_agency_code(" vxp.saas.03 ") == "vxp.saas.03"
    assert parse_agency_code("g09.01") == "G09.01"
    assert parse_agency_code("000.00.00.h49") == "000.00.00.H49"
