"""The web app in real Chromium, through nginx, against every service of `make run`: the clerk
registers a scan and sees its arrival number (and a second try of the same scan is recognised);
the leader, on a tablet, finds it in the inbox and directs it to a unit (web/e2e/web-flow.mjs).
Then the rest of the day, one person after another (web/e2e/roles-flow.mjs): an idle session
ends; the leader directs with the working-day calendar; the secretary records a paper decision
with its slip; the unit head re-assigns, the specialist reports and drafts, the unit head
forwards, the leader approves from the dashboard; the clerk issues the reply, follows its
recipients and prints the register; the auditor searches without diacritics, reads the timeline
and verifies the chains. Both scripts drive Debian's chromium with playwright-core, assert what
each person sees and save screenshots in the test's tmp dir."""

from __future__ import annotations

from pathlib import Path

import httpx
from harness.pdfs import one_page_pdf
from harness.web import run_flow


def test_one_origin_serves_the_app_the_apis_and_the_portal(one_origin: str) -> None:
    page = httpx.get(f"{one_origin}/chi-dao/some-case")  # a route of the app, not a file
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    for service in ("intake", "routing", "exchange", "archive"):
        ready = httpx.get(f"{one_origin}/api/{service}/health/ready")
        assert ready.status_code == 200, (service, ready.text)
    assert httpx.get(f"{one_origin}/portal/login").status_code == 200


def _pdf_flow(script: str, origin: str, tmp_path: Path) -> tuple[str, str, Path]:
    """Runs a browser flow of web/e2e that uploads one one-page PDF; its stdout, everything it
    said (for an assertion's message) and its screenshots folder. A flow that fails fails here."""
    pdf = tmp_path / "tep.pdf"
    pdf.write_bytes(one_page_pdf())
    shots = tmp_path / "screenshots"
    run = run_flow(
        script,
        {"VANTHU_WEB_URL": origin, "VANTHU_WEB_PDF": str(pdf), "VANTHU_WEB_SHOTS": str(shots)},
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    return run.stdout, said, shots


def test_the_clerk_registers_a_scan_and_the_leader_directs_it_in_the_browser(
    one_origin: str, tmp_path: Path
) -> None:
    out, said, shots = _pdf_flow("web-flow.mjs", one_origin, tmp_path)
    assert "web-flow: registered: Số đến: " in out, said
    assert (shots / "03-so-den.png").exists()
    assert "web-flow: view the scan and its digitised copy side by side" in out, said
    assert (shots / "04b-xem-song-song.png").exists()
    assert (shots / "06-da-chi-dao.png").exists()


ROLES_FLOW_FILES = ("scan-a", "scan-b", "slip", "draft")


def test_each_person_does_their_part_of_the_day_in_the_browser(
    one_origin: str, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    for name in ROLES_FLOW_FILES:
        (files / f"{name}.pdf").write_bytes(one_page_pdf())
    shots = tmp_path / "screenshots"
    run = run_flow(
        "roles-flow.mjs",
        {
            "VANTHU_WEB_URL": one_origin,
            "VANTHU_WEB_FILES": str(files),
            "VANTHU_WEB_SHOTS": str(shots),
        },
        timeout=900,
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    for shot in (
        "13-nhap-thay.png",
        "14-tong-hop.png",
        "15-van-ban-di.png",
        "18-dong-thoi-gian.png",
    ):
        assert (shots / shot).exists(), said


def test_a_task_given_elsewhere_appears_on_the_open_page_without_a_reload(
    one_origin: str, tmp_path: Path
) -> None:
    """Issue 12 "Live": routing's /live stream through nginx to the unit head's open task list
    (web/e2e/live-flow.mjs); the page's fallback reload is once a minute, the flow waits 30 s."""
    out, said, shots = _pdf_flow("live-flow.mjs", one_origin, tmp_path)
    assert "web-flow: the task appears without a reload" in out, said
    assert (shots / "live-02-viec-moi.png").exists()


def test_the_leader_signs_and_the_clerk_numbers_seals_and_issues_in_the_browser(
    one_origin: str, tmp_path: Path
) -> None:
    """Issue 14 in the web app (web/e2e/signing-flow.mjs): the leader's key is in the session's
    SoftHSM2 token (deploy/local/signing.sh), the issued page shows both signatures valid."""
    out, said, shots = _pdf_flow("signing-flow.mjs", one_origin, tmp_path)
    assert "web-flow: issued: Đã phát hành văn bản số " in out, said
    assert (shots / "sign-03-da-phat-hanh.png").exists()
