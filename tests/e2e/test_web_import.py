"""Bulk scan import in real Chromium through nginx against the session's services
(web/e2e/import-flow.mjs): the clerk chooses a manifest and its three scans on "Nhập lô bản quét",
the page checks the manifest and sends the rows one by one: 3 registered; sent again later from a
new page, the same batch shows 3 already done with the same arrival numbers; axe-core finds no
serious or critical violation on the page."""

from __future__ import annotations

import secrets
from pathlib import Path

from harness.pdfs import one_page_pdf
from harness.web import run_flow

HEADER = (
    "file,issuer_name,issuer_agency_code,document_type,code_number,code_notation,issued_date,"
    "subject,page_count,signer_position,signer_full_name,urgency"
)


def backlog_folder(root: Path, count: int) -> Path:
    """Three scans and their manifest; numbers of this run, so no earlier document is repeated."""
    folder = root / "lo-ban-quet"
    folder.mkdir()
    first = secrets.randbelow(10**6) + 1
    rows = [HEADER]
    for i in range(count):
        name = f"cong-van-{i + 1:02d}.pdf"
        (folder / name).write_bytes(one_page_pdf())
        rows.append(
            f"{name},Bộ Nội vụ,000.00.00.G09,Công văn,{first + i},BNV-VP,02/03/2026,"
            f'"Về việc số hóa hồ sơ lưu trữ, đợt {i + 1}",1,Thứ trưởng,Trần Văn Bình,Khẩn'
        )
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_the_clerk_imports_three_scans_and_a_second_run_finds_them_already_done(
    one_origin: str, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    run = run_flow(
        "import-flow.mjs",
        {
            "VANTHU_WEB_URL": one_origin,
            "VANTHU_WEB_IMPORT_DIR": str(backlog_folder(tmp_path, 3)),
            "VANTHU_WEB_SHOTS": str(shots),
        },
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: first run: 3 / 3, registered 3, already done 0, failed 0" in run.stdout, said
    assert "web-flow: second run: 3 / 3, registered 0, already done 3, failed 0" in run.stdout, said
    assert "web-flow: done" in run.stdout, said
    assert (shots / "import-02-da-co-tu-truoc.png").exists(), said
