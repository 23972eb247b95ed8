"""HTML of the portal, server-rendered; every value is escaped on the way in."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from html import escape
from typing import Any

from vanthu_exchange.domain.edxml import StatusCode
from vanthu_exchange.portal_handlers import PORTAL_STATUSES, PackageView

_STATE_LABELS = {
    "pending": "Chưa nhận",
    "fetched": "Đã mở",
    "done": "Đã nhận",
    "failed": "Lỗi",
}
_STATUS_LABELS = {
    StatusCode.ARRIVED: "01 · Đã đến",
    StatusCode.REJECTED: "02 · Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "03 · Đã tiếp nhận",
    StatusCode.ASSIGNED: "04 · Phân công",
    StatusCode.IN_PROGRESS: "05 · Đang xử lý",
    StatusCode.DONE: "06 · Hoàn thành",
}


CSRF_FIELD = "csrf_token"


def csrf_input(csrf: str) -> str:
    """The hidden field every form posting for a signed-in agency carries (checked on POST)."""
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf)}">'


STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#a61b1b;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between}
main{max-width:64rem;margin:1.5rem auto;background:#fff;padding:1.5rem;border-radius:6px}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #dde3ea;padding:.4rem;text-align:left}
.error{color:#a61b1b} .who button{margin-left:.5rem} label{display:block;margin:.5rem 0}
"""
"""The portal's only style, inline; the Content-Security-Policy allows it by its hash."""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def page(title: str, body: str, agency: str | None = None, csrf: str = "") -> str:
    who = (
        f'<form method="post" action="/portal/logout" class="who">{escape(agency)} '
        f"{csrf_input(csrf)}<button>Đăng xuất</button></form>"
        if agency
        else ""
    )
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{escape(title)} · Cổng liên thông văn bản</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style></head><body>
<header><strong>Cổng liên thông văn bản</strong>{who}</header>
<main><h1>{escape(title)}</h1>{body}</main></body></html>"""


def login_page(csrf: str, error: str | None = None) -> str:
    """The sign-in form; ``csrf`` is bound to the browser's pre-session cookie (login CSRF)."""
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Đăng nhập",
        f"""{problem}<form method="post" action="/portal/login">{csrf_input(csrf)}
<label>Mã định danh cơ quan <input name="agency_code" required autocomplete="username"></label>
<label>Mật khẩu liên thông <input name="secret" type="password" required autocomplete="current-password"></label>
<button>Đăng nhập</button></form>""",
    )


def inbox_page(agency: str, deliveries: Sequence[dict[str, Any]], csrf: str) -> str:
    rows = "".join(
        f"""<tr><td><a href="/portal/packages/{escape(d["_id"])}">{escape(d.get("subject") or d.get("document_code") or d["_id"])}</a></td>
<td>{escape(d["from_agency"])}</td><td>{escape(d["kind"])}{" " + escape(d.get("status_code") or "") if d["kind"] == "status" else ""}</td>
<td>{escape(_STATE_LABELS.get(d["state"], d["state"]))}</td><td>{escape(d["created_at"].strftime("%d/%m/%Y %H:%M"))}</td></tr>"""
        for d in deliveries
    )
    table = (
        f"<table><thead><tr><th>Trích yếu</th><th>Cơ quan gửi</th><th>Loại</th><th>Tình trạng</th>"
        f"<th>Thời gian (UTC)</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>Chưa có văn bản nào gửi đến.</p>"
    )
    return page("Văn bản đến", table, agency, csrf)


def package_page(agency: str, view: PackageView, csrf: str, message: str | None = None) -> str:
    d = view.delivery
    token = csrf_input(csrf)
    note = f'<p role="status">{escape(message)}</p>' if message else ""
    files = "".join(
        f'<li><a href="/portal/packages/{escape(d["_id"])}/attachments/{a["index"]}">{escape(a["name"])}</a> '
        f"({a['size']} bytes)</li>"
        for a in view.attachments
    )
    options = "".join(
        f'<option value="{c.value}">{escape(_STATUS_LABELS[c])}</option>' for c in PORTAL_STATUSES
    )
    actions = ""
    if d["kind"] == "edoc":
        actions = f"""
<form method="post" action="/portal/packages/{escape(d["_id"])}/ack">{token}<button>Xác nhận đã nhận</button></form>
<h2>Báo trạng thái xử lý</h2>
<form method="post" action="/portal/packages/{escape(d["_id"])}/status">{token}
<label>Trạng thái <select name="status_code">{options}</select></label>
<label>Ghi chú <input name="description" maxlength="500"></label>
<label>Người báo <input name="staff" required maxlength="100"></label>
<button>Gửi trạng thái</button></form>
<h2>Gửi văn bản trả lời</h2>
<form method="post" action="/portal/packages/{escape(d["_id"])}/reply" enctype="multipart/form-data">{token}
<label>Số <input name="code_number" required maxlength="11"></label>
<label>Ký hiệu <input name="code_notation" required maxlength="30"></label>
<label>Trích yếu <input name="subject" required maxlength="500"></label>
<label>Tệp văn bản <input type="file" name="file" required></label>
<button>Gửi văn bản</button></form>"""
    return page(
        view.subject or "Văn bản",
        f"""{note}<dl><dt>Cơ quan gửi</dt><dd>{escape(view.sender_name or d["from_agency"])} ({escape(d["from_agency"])})</dd>
<dt>Số, ký hiệu</dt><dd>{escape(view.code or "")}</dd><dt>Mã văn bản</dt><dd>{escape(d.get("document_code") or "")}</dd>
<dt>Tình trạng</dt><dd>{escape(_STATE_LABELS.get(d["state"], d["state"]))}</dd></dl>
<h2>Tệp đính kèm</h2><ul>{files or "<li>Không có</li>"}</ul>{actions}
<p><a href="/portal/inbox">← Văn bản đến</a></p>""",
        agency,
        csrf,
    )
