"""What the connector answers, by itself, to a package that reaches its agency.

ND 30 art. 21.2: the receiving agency tells the sender the same day that the document arrived
(status 01), or returns what is not authentic (status 02 with the reason). Art. 18.4 and
Appendix VI.I.III.8: on a recall (revoke) the recipient's copy is frozen and the sender told 15
(accepted) or 16 (refused, with the reason) (ADR 0034).
"""

from __future__ import annotations

from dataclasses import dataclass

from vanthu_contracts.events.values import StatusCode


@dataclass(frozen=True)
class Answer:
    status_code: StatusCode
    description: str | None = None


def answer_to_new_document() -> Answer:
    return Answer(StatusCode.ARRIVED, "Văn bản đã đến hệ thống của cơ quan nhận")


def answer_to_bad_signature(reason: str) -> Answer:
    return Answer(StatusCode.REJECTED, f"Chữ ký số của gói tin không hợp lệ: {reason}"[:500])


def answer_to_refused_package(reason: str) -> Answer:
    return Answer(StatusCode.REJECTED, f"Gói tin bị từ chối: {reason}"[:500])


def answer_to_recall(copy_held: bool, already_frozen: bool) -> Answer:
    if not copy_held:
        return Answer(
            StatusCode.RECALL_REFUSED,
            "Không thu hồi được: cơ quan nhận không có văn bản này",
        )
    if already_frozen:
        return Answer(StatusCode.RECALL_ACCEPTED, "Văn bản đã được thu hồi trước đó")
    return Answer(StatusCode.RECALL_ACCEPTED, "Đồng ý thu hồi: bản nhận đã bị khóa")


def backoff_seconds(attempt: int, initial: float, maximum: float) -> float:
    """Exponential back-off for sends that failed ``attempt`` times (DHX: finite, growing)."""
    return float(min(maximum, initial * 2 ** max(0, attempt - 1)))
