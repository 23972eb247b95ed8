"""Loại văn bản and its edXML ``DocumentType/Type`` code: the one table (ADR 0050); and loại
chỉ đạo and its ``SteeringType`` code (ADR 0053).

The edXML code list for ``Type`` is unpublished. The code here is the type's position in the
list of Nghị định 30/2020/NĐ-CP Art. 7 (29 administrative types, in the decree's order), which
is what a vendor builder does when it defaults ``Type=18`` for công văn; the abbreviations are
Phụ lục III.I's (công văn and thư công have none). A type outside the list (a legal normative
document, a misspelt name) is written ``0``, "not one of ND 30's types", and its name travels in
``TypeName`` as always.
"""

from __future__ import annotations

import unicodedata

from vanthu_contracts.events.values import SteeringType

OTHER_TYPE_CODE = "0"

ND30_TYPES: tuple[tuple[str, str | None], ...] = (
    ("Nghị quyết", "NQ"),
    ("Quyết định", "QĐ"),
    ("Chỉ thị", "CT"),
    ("Quy chế", "QC"),
    ("Quy định", "QyĐ"),
    ("Thông cáo", "TC"),
    ("Thông báo", "TB"),
    ("Hướng dẫn", "HD"),
    ("Chương trình", "CTr"),
    ("Kế hoạch", "KH"),
    ("Phương án", "PA"),
    ("Đề án", "ĐA"),
    ("Dự án", "DA"),
    ("Báo cáo", "BC"),
    ("Biên bản", "BB"),
    ("Tờ trình", "TTr"),
    ("Hợp đồng", "HĐ"),
    ("Công văn", None),
    ("Công điện", "CĐ"),
    ("Bản ghi nhớ", "BGN"),
    ("Bản thỏa thuận", "BTT"),
    ("Giấy ủy quyền", "GUQ"),
    ("Giấy mời", "GM"),
    ("Giấy giới thiệu", "GGT"),
    ("Giấy nghỉ phép", "GNP"),
    ("Phiếu gửi", "PG"),
    ("Phiếu chuyển", "PC"),
    ("Phiếu báo", "PB"),
    ("Thư công", None),
)
"""(name, abbreviation) in the order of ND 30 Art. 7; ``Type`` is the 1-based position."""

# Old and new Vietnamese tone placement (thỏa/thoả, ủy/uỷ) are both written in practice.
_OLD_STYLE = {"oả": "ỏa", "uỷ": "ủy"}


def _key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).strip().casefold()
    text = text.removesuffix("(cá biệt)").strip()
    for old, new in _OLD_STYLE.items():
        text = text.replace(old, new)
    return " ".join(text.split())


_BY_NAME = {_key(name): str(index) for index, (name, _) in enumerate(ND30_TYPES, start=1)}
_BY_ABBREVIATION = {
    abbreviation.casefold(): str(index)
    for index, (_, abbreviation) in enumerate(ND30_TYPES, start=1)
    if abbreviation
}


def type_code(name: str, abbreviation: str | None = None) -> str:
    """``DocumentType/Type`` for a document of type ``name`` (its abbreviation as a fallback)."""
    found = _BY_NAME.get(_key(name))
    if found is None and abbreviation:
        found = _BY_ABBREVIATION.get(abbreviation.strip().casefold())
    return found or OTHER_TYPE_CODE


def type_name(code: str) -> str | None:
    """The ND 30 name of ``DocumentType/Type`` ``code``, for a package that wrote no
    ``TypeName``; ``None`` for a code outside the list."""
    if not code.isascii() or not code.isdigit():
        return None
    index = int(code)
    return ND30_TYPES[index - 1][0] if 1 <= index <= len(ND30_TYPES) else None


# edXML ``SteeringType`` (loại chỉ đạo): its code list is unpublished too. These are the VNPT
# library's comment (research/domain_vn.md §1.3): 1 not a direction, 2 a direction, 3 a report on
# one. The SDK's samples write 0, which that list does not name: read as not said (ADR 0053).
STEERING_CODES: tuple[tuple[SteeringType, int], ...] = (
    (SteeringType.NOT_STEERING, 1),
    (SteeringType.STEERING, 2),
    (SteeringType.STEERING_REPORT, 3),
)
_STEERING_BY_CODE = {code: steering for steering, code in STEERING_CODES}
_CODE_BY_STEERING = {steering: code for steering, code in STEERING_CODES}


def steering_code(steering: SteeringType | None) -> int | None:
    """``SteeringType`` for the document's loại chỉ đạo; ``None`` writes none."""
    return None if steering is None else _CODE_BY_STEERING[steering]


def steering_type(code: int | None) -> SteeringType | None:
    """The loại chỉ đạo a package's ``SteeringType`` names; ``None`` for a code outside the list."""
    return None if code is None else _STEERING_BY_CODE.get(code)
