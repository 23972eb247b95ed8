"""Agency identifier codes (mã định danh điện tử của cơ quan, tổ chức), edXML ``OrganId``.

Two shapes are in use and both must be accepted, because the hub directory keeps both:

* QCVN 102:2016 — ``NNN.NN.NN.XNN``, 13 characters, read right to left: the last group is the
  level-1 code (``G22`` Văn phòng Chính phủ, ``H49`` UBND tỉnh Quảng Ninh), the others identify
  subordinate levels (``000.00.00.G22`` is the level-1 agency itself, ``001.00.10.H47`` a unit).
* QĐ 20/2020/QĐ-TTg — groups separated by dots, extended left to right, the leftmost is the
  level-1 code (``G09``, ``G09.01``); at most 35 characters of ``0-9``, ``A-Z`` and ``.``.

The shape says nothing about which agency is the parent: that comes from the directory.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator
from vanthu_contracts.events.values import is_test_environment_agency_code

QD_20_MAX_LENGTH = 35

_QCVN_102 = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}")
# Level-1 codes are a letter and two digits in every published list (G01..G32, H14..H49, A80);
# the widths of lower groups are not published, so any non-empty group of 0-9/A-Z is accepted.
_QD_20 = re.compile(r"[A-Z]\d{2}(\.[0-9A-Z]+)*")


class AgencyCodeStyle(StrEnum):
    QCVN_102_2016 = "qcvn_102_2016"
    QD_20_2020 = "qd_20_2020"


class InvalidAgencyCode(ValueError):
    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"{text!r} is not an agency identifier code: expected the QCVN 102:2016 form "
            "NNN.NN.NN.XNN (e.g. 000.00.00.G22) or the QĐ 20/2020 form (e.g. G09 or G09.01, "
            f"at most {QD_20_MAX_LENGTH} characters of 0-9, A-Z and '.')"
        )


def agency_code_style(text: str) -> AgencyCodeStyle:
    """Which standard the code follows; raises ``InvalidAgencyCode`` when it follows neither."""
    code = text.strip().upper()
    if _QCVN_102.fullmatch(code):
        return AgencyCodeStyle.QCVN_102_2016
    if len(code) <= QD_20_MAX_LENGTH and _QD_20.fullmatch(code):
        return AgencyCodeStyle.QD_20_2020
    raise InvalidAgencyCode(text)


def parse_agency_code(text: str) -> str:
    """The code in its stored form: trimmed and upper-case (QĐ 20/2020 allows only A-Z).

    A VDXP test-environment code (``vxp.saas.03``) is kept as written, so an agency testing on
    that environment registers what its test peers send; the exchange takes such a code only
    from and for a peer configured as a test-environment peer (ADR 0053). A production code
    written in lower case (``g09.01``) is still upper-cased."""
    if is_test_environment_agency_code(text.strip()):
        return text.strip()
    agency_code_style(text)
    return text.strip().upper()


def _agency_code_before_validation(value: object) -> object:
    # Non-strings fall through to pydantic's own "should be a valid string" message.
    return parse_agency_code(value) if isinstance(value, str) else value


AgencyCode = Annotated[str, BeforeValidator(_agency_code_before_validation)]
"""An agency identifier code as a pydantic field type."""
