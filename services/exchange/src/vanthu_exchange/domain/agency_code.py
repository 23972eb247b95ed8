"""Agency identifier codes (mã định danh điện tử của cơ quan, tổ chức), edXML ``OrganId``.

Two shapes are published (research/domain_vn.md §2):

* QCVN 102:2016 — ``V1V2V3.Z1Z2.Y1Y2.H49``: 13 characters read right to left. The last group is
  the level-1 code (``G22`` Văn phòng Chính phủ, ``H49`` UBND tỉnh Quảng Ninh) and
  ``000.00.00.H49`` is the level-1 agency itself; the other groups identify levels 2 to 4.
* QĐ 20/2020/QĐ-TTg — at most 35 characters of ``0-9``, ``A-Z`` and ``.``, one dot-separated group
  per organisational level, extended left to right; the leftmost group is the level-1 code
  (``G09`` Bộ Nội vụ, ``G09.01`` a unit under it).

Parents are derived only where the standard makes the shape say so: a QĐ 20/2020 code's parent is
the code without its last group. A QCVN 102 code only reveals its level-1 agency; real codes of
that style are not hierarchy-clean (``001.00.10.H47`` is registered under ``001.00.00.H47``), so
anything finer must come from the hub's directory.

Packages in the wild also carry codes of neither shape (``28.22.H17`` and ``01.02.G22`` appear in
the hub's own samples), so readers check only the character set (``is_agency_code_syntax``) and
leave membership to the agency directory.
"""

from __future__ import annotations

import re
from enum import StrEnum

QD_20_MAX_LENGTH = 35

_QCVN_102 = re.compile(
    r"(?P<level4>\d{3})\.(?P<level3>\d{2})\.(?P<level2>\d{2})\.(?P<level1>[A-Z]\d{2})"
)
# Level-1 codes are a letter and two digits in every published list (G01..G32, H14..H49, A80);
# the widths of lower groups are not published, so any non-empty group of 0-9/A-Z is accepted.
_QD_20 = re.compile(r"[A-Z]\d{2}(\.[0-9A-Z]+)*")
_ANY_GROUPS = re.compile(r"[0-9A-Z]+(\.[0-9A-Z]+)*")
_TEST_ENVIRONMENT = re.compile(r"[0-9a-z]+(\.[0-9a-z]+)*")


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


def is_agency_code_syntax(text: str) -> bool:
    """Whether ``text`` is made of dot-separated groups of 0-9/A-Z, at most 35 characters long."""
    return len(text) <= QD_20_MAX_LENGTH and _ANY_GROUPS.fullmatch(text) is not None


def is_test_environment_code(text: str) -> bool:
    """Whether ``text`` is shaped like the VDXP test environment's lower-case agency codes
    (``vxp.saas.03``): dot-separated groups of 0-9/a-z with a letter, at most 35 characters.
    Such a code is read only from and for a peer configured as a test-environment peer."""
    return (
        len(text) <= QD_20_MAX_LENGTH
        and _TEST_ENVIRONMENT.fullmatch(text) is not None
        and any(c.isalpha() for c in text)
    )


def agency_code_style(text: str) -> AgencyCodeStyle:
    """Which standard the code follows; raises ``InvalidAgencyCode`` when it follows neither."""
    if _QCVN_102.fullmatch(text):
        return AgencyCodeStyle.QCVN_102_2016
    if len(text) <= QD_20_MAX_LENGTH and _QD_20.fullmatch(text):
        return AgencyCodeStyle.QD_20_2020
    raise InvalidAgencyCode(text)


def level1_code(text: str) -> str:
    """The level-1 agency's code in the same style (``001.00.10.H47`` -> ``000.00.00.H47``)."""
    if agency_code_style(text) is AgencyCodeStyle.QCVN_102_2016:
        return f"000.00.00.{text[-3:]}"
    return text.split(".", 1)[0]


def is_level1(text: str) -> bool:
    return level1_code(text) == text


def qd20_parent(text: str) -> str | None:
    """The parent of a QĐ 20/2020 code (``G09.01.03`` -> ``G09.01``); ``None`` for level 1.

    Raises ``InvalidAgencyCode`` for a QCVN 102 code: its parent is not implied by its shape.
    """
    if agency_code_style(text) is not AgencyCodeStyle.QD_20_2020:
        raise InvalidAgencyCode(text)
    head, dot, _ = text.rpartition(".")
    return head if dot else None
