"""A reply sent from the portal carries a file that really is a document: what does not parse,
carries active content or needs a password is refused before anything is signed, a body past the
limit is cut off as it arrives, and the file goes out with the type found and a safe name."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from exchange_testkit import (
    HubProcess,
    edxml_package,
    portal_sign_in,
    random_agency,
    random_secret,
    start_hub,
)
from harness.hostile_files import LINUX_PROGRAM, encrypted_pdf, hostile_corpus, scan_pdf
from vanthu_exchange.domain.edxml import read_package

TOKEN_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    started = start_hub(servers, tmp_path_factory.mktemp("portal-replies"), hub_id="hub-replies")
    yield started
    started.process.stop()


@pytest.fixture
def portal(hub):
    """A commune signed in on the portal with one document from a ministry waiting."""
    ministry, commune = random_agency("G09"), random_agency("H41")
    secrets_ = {ministry: random_secret(), commune: random_secret()}
    for code in (ministry, commune):
        assert hub.register(code, secrets_[code], [code]).status_code == 201
    ministry_auth = hub.session(ministry, secrets_[ministry])
    sent = httpx.post(
        f"{hub.url}/hub/v1/packages",
        content=edxml_package(ministry, [commune], number="77", subject="V/v báo cáo"),
        headers={**ministry_auth, "Idempotency-Key": "reply-files"},
        timeout=30,
    )
    assert sent.status_code == 201, sent.text
    delivery_id = sent.json()["deliveries"][0]["delivery_id"]
    browser = httpx.Client(base_url=hub.url, timeout=60)
    assert portal_sign_in(browser, commune, secrets_[commune]).status_code == 303
    token = TOKEN_FIELD.findall(browser.get(f"/portal/packages/{delivery_id}").text)[0]
    yield {
        "browser": browser,
        "delivery_id": delivery_id,
        "token": token,
        "ministry_auth": ministry_auth,
    }
    browser.close()


def reply(portal, name: str, data: bytes, content_type: str = "application/pdf") -> httpx.Response:
    return portal["browser"].post(
        f"/portal/packages/{portal['delivery_id']}/reply",
        data={
            "code_number": "05",
            "code_notation": "UBND-VP",
            "subject": "V/v trả lời",
            "csrf_token": portal["token"],
        },
        files={"file": (name, data, content_type)},
    )


def waiting_at_the_ministry(hub: HubProcess, portal) -> list[dict[str, object]]:
    answer = httpx.get(f"{hub.url}/hub/v1/packages", headers=portal["ministry_auth"], timeout=10)
    return answer.json()["packages"]


def test_an_elf_program_named_pdf_is_refused_and_never_reaches_the_other_agency(
    hub, portal
) -> None:
    refused = reply(portal, "tra-loi.pdf", LINUX_PROGRAM)

    assert refused.status_code == 415, refused.text
    assert refused.json()["detail"]["field"] == "file"
    assert "Linux program" in refused.json()["detail"]["reason"]
    assert refused.json()["detail"]["reason_vi"]
    assert waiting_at_the_ministry(hub, portal) == []


def test_every_hostile_file_is_refused_with_a_reason_and_nothing_is_sent(hub, portal) -> None:
    cases = [*hostile_corpus()]
    answers = {case.label: reply(portal, case.name, case.data) for case in cases}
    answers["password-protected PDF"] = reply(portal, "mat.pdf", encrypted_pdf())

    for label, answer in answers.items():
        assert 400 <= answer.status_code < 500, (label, answer.status_code, answer.text)
        assert answer.json()["detail"]["field"] == "file", label
    for case in cases:
        reason = answers[case.label].json()["detail"]["reason"]
        assert case.refused_because.lower() in reason.lower(), (case.label, reason)
    assert waiting_at_the_ministry(hub, portal) == []


def test_a_real_pdf_goes_out_with_the_type_found_and_a_safe_name(hub, portal) -> None:
    pdf = scan_pdf(dpi=30)

    sent = reply(portal, "../../tra-loi<b>:\u202e1.pdf", pdf, "application/x-msdownload")

    assert sent.status_code == 200, sent.text
    (waiting,) = waiting_at_the_ministry(hub, portal)
    package = httpx.get(
        f"{hub.url}/hub/v1/packages/{waiting['delivery_id']}",
        headers=portal["ministry_auth"],
        timeout=30,
    ).content
    (attachment,) = read_package(io.BytesIO(package)).attachments
    assert attachment.content_type == "application/pdf"
    assert attachment.name == "tra-loi_b__1.pdf"
    assert attachment.size == len(pdf)


def test_a_chunked_reply_far_over_the_limit_is_cut_off_as_it_arrives(hub, portal) -> None:
    boundary = "vanthu-chunked"
    sent: list[int] = []

    def body():
        fields = {
            "code_number": "05",
            "code_notation": "UBND-VP",
            "subject": "V/v trả lời",
            "csrf_token": portal["token"],
        }
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="lon.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        yield head.encode() + b"%PDF-1.4\n"
        for _ in range(150):  # 150 MiB without a Content-Length; the portal's limit is 50 MiB
            sent.append(1)
            yield b"\0" * MiB
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        answer = portal["browser"].post(
            f"/portal/packages/{portal['delivery_id']}/reply",
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert answer.status_code == 413
    except httpx.TransportError:
        pass  # the server closed the connection on the 413 while the client was still sending
    assert len(sent) < 100
    assert waiting_at_the_ministry(hub, portal) == []
