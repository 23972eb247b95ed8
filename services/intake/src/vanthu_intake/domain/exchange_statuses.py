"""Where an outgoing document stands at each recipient agency, in the words the sending clerk reads.

Two things come back from the exchange (ND 30 Phụ lục VI: "hiển thị trạng thái văn bản đã gửi ở
nơi nhận", "cho phép bên gửi biết trạng thái xử lý"): the package's way through the hub (queued,
delivered to the hub, acknowledged by the recipient's system, failed) and the edXML status codes
the recipient reports (01–06, and 13/15/16 for a recall or an update). A send that nobody answers
is an error as well: the clerk must not take silence for delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

REQUESTED = "requested"
NO_ANSWER = "no_answer"
FAILED = "failed"

TRANSPORT_LABELS = {
    REQUESTED: "Đã yêu cầu gửi, đang chờ hệ thống liên thông",
    "queued": "Đang chờ gửi",
    "delivered": "Đã gửi lên trục liên thông",
    "acknowledged": "Hệ thống của nơi nhận đã nhận văn bản",
    FAILED: "Gửi không thành công",
    NO_ANSWER: "Chưa gửi được: hệ thống liên thông không phản hồi",
}
"""The package's transport states (exchange's `TransportState`), and the two intake adds."""

PROCESSING_LABELS = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Đã phân công xử lý",
    "05": "Đang xử lý",
    "06": "Đã hoàn thành xử lý",
    "13": "Yêu cầu thu hồi",
    "15": "Đồng ý thu hồi, cập nhật",
    "16": "Từ chối thu hồi, cập nhật",
}
"""edXML status codes (QĐ 28/2018 as the implementations read it; research domain_vn §1.6)."""

_REFUSALS = {"02", "16"}
# When two transport reports carry the same instant, the one further along the way wins.
_TRANSPORT_ORDER = {"queued": 0, "delivered": 1, "acknowledged": 2, FAILED: 3}


def processing_label(code: str) -> str:
    return PROCESSING_LABELS.get(code, f"Trạng thái {code}")


def transport_label(state: str) -> str:
    return TRANSPORT_LABELS.get(state, state)


@dataclass(frozen=True)
class Delivery:
    state: str
    label: str
    at: datetime | None = None
    attempt: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Processing:
    status_code: str
    label: str
    at: datetime
    description: str | None = None
    staff: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str
    detail: str | None = None


@dataclass(frozen=True)
class RecipientStatus:
    agency_code: str
    name: str
    delivery: Delivery
    processing: Processing | None
    history: tuple[Step, ...] = field(default=())

    @property
    def error(self) -> bool:
        """Something the clerk has to act on: the send failed, nobody answered, or the recipient
        refused the document (02) or the recall (16)."""
        refused = self.processing is not None and self.processing.status_code in _REFUSALS
        return self.delivery.state in (FAILED, NO_ANSWER) or refused

    @property
    def label(self) -> str:
        """One line: the recipient's own status once it reported one, else the transport's."""
        if self.delivery.state in (FAILED, NO_ANSWER) or self.processing is None:
            reason = f": {self.delivery.reason}" if self.delivery.reason else ""
            return self.delivery.label + reason
        return self.processing.label


def recipient_statuses(
    recipients: Sequence[tuple[str, str]],
    reports: Iterable[Mapping[str, Any]],
    *,
    requested_at: datetime | None,
    now: datetime,
    silence: timedelta | None,
) -> list[RecipientStatus]:
    """Each recipient agency (code, name) with its latest transport state and processing status.

    `reports` are the statuses recorded for the document: a transport report carries
    `transport`, a processing one `status_code`; both name the `recipient` and `at`. With no
    transport report `silence` after `requested_at`, the send counts as failed for want of an
    answer."""
    by_recipient: dict[str, list[Mapping[str, Any]]] = {}
    for report in reports:
        by_recipient.setdefault(str(report["recipient"]), []).append(report)
    names = dict(recipients)
    codes = list(names) + [code for code in by_recipient if code not in names]
    return [
        _status_of(
            code,
            names.get(code, code),
            by_recipient.get(code, []),
            requested_at=requested_at,
            now=now,
            silence=silence,
        )
        for code in codes
    ]


def _status_of(
    code: str,
    name: str,
    reports: list[Mapping[str, Any]],
    *,
    requested_at: datetime | None,
    now: datetime,
    silence: timedelta | None,
) -> RecipientStatus:
    transports = sorted(
        (r for r in reports if "transport" in r),
        key=lambda r: (r["at"], _TRANSPORT_ORDER.get(r["transport"], 0)),
    )
    processings = sorted((r for r in reports if "status_code" in r), key=lambda r: r["at"])
    if transports:
        last = transports[-1]
        delivery = Delivery(
            state=last["transport"],
            label=transport_label(last["transport"]),
            at=last["at"],
            attempt=last.get("attempt"),
            reason=last.get("reason"),
        )
    elif (
        not processings
        and silence is not None
        and requested_at is not None
        and now - requested_at > silence
    ):
        minutes = max(1, int(silence.total_seconds() // 60))
        delivery = Delivery(
            state=NO_ANSWER,
            label=transport_label(NO_ANSWER),
            at=requested_at,
            reason=f"sau {minutes} phút vẫn chưa có trạng thái gửi nào; "
            "hãy kiểm tra kết nối liên thông hoặc gửi lại",
        )
    else:
        delivery = Delivery(state=REQUESTED, label=transport_label(REQUESTED), at=requested_at)
    processing = None
    if processings:
        last = processings[-1]
        processing = Processing(
            status_code=last["status_code"],
            label=processing_label(last["status_code"]),
            at=last["at"],
            description=last.get("description"),
            staff=last.get("staff"),
        )
    history = sorted(
        [Step(r["at"], transport_label(r["transport"]), r.get("reason")) for r in transports]
        + [
            Step(
                r["at"],
                f"{r['status_code']} {processing_label(r['status_code'])}",
                r.get("description"),
            )
            for r in processings
        ],
        key=lambda step: step.at,
    )
    return RecipientStatus(code, name, delivery, processing, tuple(history))
