"""Confidential documents (Mật, Tối mật, Tuyệt mật) in routing: presented to, and worked on by,
the people named on them at registration only (ADR 0006; Law on Protection of State Secrets 2018,
Art. 11; ND 30/2020 Art. 18).

Who may *see* a case is the runtime's one rule (`vanthu_runtime.visibility`), applied by the
handlers; this module holds what routing itself decides with the names: whom the document is
presented to, and whether a new task goes to someone who may see it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.task import Assignee, Task

NORMAL = "normal"
_LEVEL_WORDS = {
    "confidential": ("confidential (Mật)", "Mật"),
    "secret": ("secret (Tối mật)", "Tối mật"),
    "top_secret": ("top secret (Tuyệt mật)", "Tuyệt mật"),
}


def is_confidential(level: str) -> bool:
    return level != NORMAL


def reader_to_present_to(readers: Sequence[str], leaders: Collection[str]) -> str | None:
    """The named reader who directs the document: the first one who is a leader of the agency,
    else the first one whatever their role (never a leader who is not named); None when nobody
    is named."""
    return next((r for r in readers if r in leaders), readers[0] if readers else None)


def unnamed_assignee(
    tasks: Iterable[Task], readers: Collection[str], heads_by_unit: Mapping[str, Sequence[str]]
) -> Assignee | None:
    """The first assignee of `tasks` who may not receive the confidential document: a person who
    is not named, or a unit none of whose heads (who receive a unit's task and re-assign it) is
    named. `heads_by_unit` holds the active heads of every unit the tasks go to."""
    for task in tasks:
        who = task.assignee
        if who.is_person:
            if who.user_id not in readers:
                return who
        elif not any(head in readers for head in heads_by_unit.get(who.unit_id or "", ())):
            return who
    return None


def not_named(assignee: Assignee, level: str, shown_as: str) -> InvalidInput:
    """The refusal of `assignee` (called `shown_as`: name and id) on a document of `level`."""
    level_en, level_vi = _LEVEL_WORDS.get(level, (level, level))
    if assignee.is_person:
        return InvalidInput(
            f"{shown_as} is not named to read this {level_en} document, so it cannot be "
            "assigned to them: its work goes to the people named on it at registration only.",
            f"{shown_as} không có tên trong danh sách người được đọc văn bản {level_vi} này nên "
            "không thể giao xử lý: văn bản mật chỉ giao cho người có tên khi đăng ký.",
        )
    return InvalidInput(
        f"No head of {shown_as} is named to read this {level_en} document, so the unit cannot "
        "be given it; assign a named reader of that unit by name instead.",
        f"Không lãnh đạo nào của {shown_as} có tên trong danh sách người được đọc văn bản "
        f"{level_vi} này nên không thể giao cho đơn vị; hãy giao đích danh người có tên của "
        "đơn vị đó.",
    )
