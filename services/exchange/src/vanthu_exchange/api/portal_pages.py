"""HTML of the portal, server-rendered from Jinja2 templates (``templates/``) with autoescape:
every value is escaped on the way out, and only our own markup is ``Markup``."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

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

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#a61b1b;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between}
main{max-width:64rem;margin:1.5rem auto;background:#fff;padding:1.5rem;border-radius:6px}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #dde3ea;padding:.4rem;text-align:left}
.error{color:#a61b1b} .who button{margin-left:.5rem} label{display:block;margin:.5rem 0}
"""
"""The portal's only style, inline; the Content-Security-Policy allows it by its hash."""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def csrf_input(csrf: str) -> Markup:
    """The hidden field every form posting for a signed-in agency carries (checked on POST)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf)


def _state_label(state: str) -> str:
    return _STATE_LABELS.get(state, state)


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)
_TEMPLATES.globals.update(
    csrf_input=csrf_input,
    state_label=_state_label,
    style=Markup(STYLE),  # noqa: S704 - our constant
)


def _render(template: str, **values: Any) -> str:
    values.setdefault("agency", None)
    values.setdefault("csrf", "")
    return _TEMPLATES.get_template(template).render(**values)


def login_page(csrf: str, error: str | None = None) -> str:
    """The sign-in form; ``csrf`` is bound to the browser's pre-session cookie (login CSRF)."""
    return _render("login.html", title="Đăng nhập", csrf=csrf, error=error)


def inbox_page(agency: str, deliveries: Sequence[dict[str, Any]], csrf: str) -> str:
    return _render(
        "inbox.html", title="Văn bản đến", agency=agency, csrf=csrf, deliveries=deliveries
    )


def package_page(agency: str, view: PackageView, csrf: str, message: str | None = None) -> str:
    return _render(
        "package.html",
        title=view.subject or "Văn bản",
        agency=agency,
        csrf=csrf,
        view=view,
        message=message,
        statuses=[(c.value, _STATUS_LABELS[c]) for c in PORTAL_STATUSES],
    )
