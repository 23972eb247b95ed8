"""The portal's pages, rendered from their templates: what another agency wrote is shown as
text, never as markup (ADR 0035, ADR 0053)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

from vanthu_exchange.api.portal_pages import (
    STYLE_HASH,
    inbox_page,
    login_page,
    package_page,
)
from vanthu_exchange.portal_handlers import PackageView

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def delivery(**changes):
    values = {
        "_id": "d-1",
        "from_agency": "000.00.00.H49",
        "kind": "edoc",
        "state": "pending",
        "subject": "V/v thử cổng",
        "document_code": "000.00.00.H49,2026/11/20,12/UBND-VP",
        "created_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
    }
    values.update(changes)
    return values


def view(**changes) -> PackageView:
    values = {
        "delivery": delivery(),
        "sender_name": "UBND tỉnh Quảng Ninh",
        "subject": "V/v thử cổng",
        "code": "12/UBND-VP",
        "promulgation_date": date(2026, 11, 20),
        "attachments": [{"index": 0, "name": "cong-van.pdf", "size": 1234}],
    }
    values.update(changes)
    return PackageView(**values)


def test_a_hostile_subject_in_the_inbox_is_shown_as_text():
    page = inbox_page("000.00.00.H41", [delivery(subject=HOSTILE)], csrf="t0ken")

    assert ESCAPED in page
    assert "<script" not in page
    assert "<img" not in page


def test_a_hostile_package_shows_its_subject_sender_and_file_names_as_text():
    hostile = view(
        subject=HOSTILE,
        sender_name=HOSTILE,
        code=HOSTILE,
        attachments=[{"index": 0, "name": HOSTILE, "size": 1}],
        delivery=delivery(_id='d"><script>', document_code=HOSTILE),
    )

    page = package_page("000.00.00.H41", hostile, csrf='"><b>', message=HOSTILE)

    assert "<script" not in page
    assert "<img" not in page
    assert "<b>" not in page
    assert page.count(ESCAPED) >= 5  # title, heading, sender, code, document id, file, message
    assert '/portal/packages/d&#34;&gt;&lt;script&gt;/ack"' in page


def test_the_inbox_lists_each_delivery_with_its_state_and_time():
    page = inbox_page(
        "000.00.00.H41",
        [delivery(), delivery(_id="d-2", kind="status", status_code="03", subject=None)],
        csrf="t0ken",
    )

    assert '<a href="/portal/packages/d-1">V/v thử cổng</a>' in page
    assert "status 03" in page
    assert "Chưa nhận" in page
    assert "20/11/2026 08:30" in page
    assert 'name="csrf_token" value="t0ken"' in page


def test_an_empty_inbox_says_so():
    assert "Chưa có văn bản nào gửi đến." in inbox_page("000.00.00.H41", [], csrf="t")


def test_a_document_package_offers_acknowledgement_status_and_reply_with_the_form_token():
    page = package_page("000.00.00.H41", view(), csrf="t0ken")

    assert page.count('name="csrf_token" value="t0ken"') == 4  # sign-out, ack, status, reply
    assert '<option value="02">02 · Từ chối tiếp nhận</option>' in page
    assert '<a href="/portal/packages/d-1/attachments/0">cong-van.pdf</a> (1234 bytes)' in page


def test_the_login_page_shows_its_error_escaped_and_carries_the_login_token():
    page = login_page("l0gin", error=HOSTILE)

    assert f'<p class="error" role="alert">{ESCAPED}</p>' in page
    assert 'name="csrf_token" value="l0gin"' in page
    assert "Đăng xuất" not in page


def test_the_pages_inline_style_is_the_one_the_policy_allows():
    style = login_page("t").split("<style>")[1].split("</style>")[0]

    assert (
        "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() == STYLE_HASH
    )
