"""Urgency and confidentiality marks stamped on a document (ND 30 Phụ lục I, III.2; Art. 4, 18).

Each mark is read from its English code or from the Vietnamese word on the stamp, with or without
accents, because clerks fill spreadsheets both ways.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from vanthu_intake.domain.vietnamese_text import fold_for_matching


class Urgency(StrEnum):
    """Độ khẩn. Urgent documents are registered, presented and sent immediately (Art. 4.2.c)."""

    NORMAL = "normal"
    URGENT = "urgent"
    VERY_URGENT = "very_urgent"
    FLASH = "flash"

    @property
    def vietnamese_name(self) -> str:
        return _URGENCY_NAMES[self]

    @property
    def edxml_priority(self) -> int:
        """edXML ``OtherInfo/Priority``: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc."""
        return list(Urgency).index(self)


class Confidentiality(StrEnum):
    """Độ mật. Anything but NORMAL is a state secret: named readers only, never exchanged."""

    NORMAL = "normal"
    CONFIDENTIAL = "confidential"
    # Levels of state secrecy, not credentials.
    SECRET = "secret"  # noqa: S105
    TOP_SECRET = "top_secret"  # noqa: S105

    @property
    def vietnamese_name(self) -> str:
        return _CONFIDENTIALITY_NAMES[self]

    @property
    def is_state_secret(self) -> bool:
        return self is not Confidentiality.NORMAL


_URGENCY_NAMES = {
    Urgency.NORMAL: "Thường",
    Urgency.URGENT: "Khẩn",
    Urgency.VERY_URGENT: "Thượng khẩn",
    Urgency.FLASH: "Hỏa tốc",
}
_CONFIDENTIALITY_NAMES = {
    Confidentiality.NORMAL: "Thường",
    Confidentiality.CONFIDENTIAL: "Mật",
    Confidentiality.SECRET: "Tối mật",
    Confidentiality.TOP_SECRET: "Tuyệt mật",
}


class SteeringType(StrEnum):
    """Loại chỉ đạo (edXML ``SteeringType``): whether the document directs, or reports on a
    direction. Not stamped, but chosen the same way (ADR 0053)."""

    NOT_STEERING = "not_steering"
    STEERING = "steering"
    STEERING_REPORT = "steering_report"

    @property
    def vietnamese_name(self) -> str:
        return _STEERING_NAMES[self]


_STEERING_NAMES = {
    SteeringType.NOT_STEERING: "Không phải chỉ đạo",
    SteeringType.STEERING: "Chỉ đạo",
    SteeringType.STEERING_REPORT: "Báo cáo chỉ đạo",
}


_Marking = TypeVar("_Marking", Urgency, Confidentiality, SteeringType)


class UnknownMarking(ValueError):
    def __init__(self, kind: str, text: str, choices: list[str]) -> None:
        super().__init__(f"unknown {kind} {text!r}: expected one of {', '.join(choices)}")


def parse_urgency(text: str) -> Urgency:
    """``"very_urgent"``, ``"Thượng khẩn"`` or ``"thuong khan"`` -> ``Urgency.VERY_URGENT``."""
    return _parse(text, Urgency, _URGENCY_NAMES, "urgency")


def parse_steering_type(text: str) -> SteeringType:
    """``"steering"``, ``"Chỉ đạo"`` or ``"chi dao"`` -> ``SteeringType.STEERING``."""
    return _parse(text, SteeringType, _STEERING_NAMES, "steering type")


def parse_confidentiality(text: str) -> Confidentiality:
    """``"secret"``, ``"Tối mật"`` or ``"toi mat"`` -> ``Confidentiality.SECRET``."""
    return _parse(text, Confidentiality, _CONFIDENTIALITY_NAMES, "confidentiality")


def _parse(text: str, kind: type[_Marking], names: dict[_Marking, str], label: str) -> _Marking:
    folded = fold_for_matching(text)
    for member in kind:
        if folded in (member.value, fold_for_matching(names[member])):
            return member
    choices = [f"{member.value} ({names[member]})" for member in kind]
    raise UnknownMarking(label, text, choices)
