"""`vanthu intake import-scans` and `vanthu intake migrate`, run as an operator runs them."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.polling import eventually
from intake_testkit import form, metadata, random_agency, tiny_pdf
from vanthu_intake.domain.vietnam_time import vietnam_date
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings

HEADER = (
    "file,issuer_name,issuer_agency_code,document_type,code_number,code_notation,issued_date,"
    "subject,page_count,signer_position,signer_full_name,urgency,recipients"
)


def vanthu(*args: str, env: dict[str, str], stderr: object = subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vanthu_runtime.cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


def finished(process: subprocess.Popen) -> tuple[int, str]:
    out, _ = process.communicate(timeout=120)
    return process.returncode, out


def scan_folder(root: Path, count: int, *, first_number: int = 1) -> Path:
    folder = root / "scans"
    (folder / "2026-03").mkdir(parents=True)
    rows = [HEADER]
    for i in range(count):
        name = f"2026-03/{i:04d}.pdf" if i % 2 else f"{i:04d}.pdf"
        (folder / name).write_bytes(tiny_pdf())
        rows.append(
            f"{name},Bộ Nội vụ,000.00.00.G09,Quyết định,{first_number + i},QĐ-BNV,02/03/2026,"
            f'"Về việc số hóa, hồ sơ {i}",1,Thứ trưởng,Trần Văn B,Hỏa tốc,Văn phòng;Sở Nội vụ'
        )
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


async def incoming_documents(mongo_uri: str, database: str, agency: str) -> list[dict]:
    client = create_mongo_client(MongoSettings(uri=mongo_uri))
    try:
        return (
            await client[database]["intake_documents"]
            .find({"agency_code": agency, "kind": "incoming"})
            .to_list(None)
        )
    finally:
        await client.close()


async def test_a_backlog_import_killed_half_way_finishes_on_a_rerun_registering_each_row_once(
    servers, platform_settings, tmp_path
) -> None:
    agency = random_agency()
    rows = 100
    folder = scan_folder(tmp_path, rows)
    database = f"intake_import_{secrets.token_hex(4)}"
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_S3_BUCKET": platform_settings.s3.bucket,
    }
    command = ("intake", "import-scans", str(folder), "--agency", agency, "--user", "vt-import")
    progress = tmp_path / "progress.txt"

    with progress.open("w") as sink:
        first = vanthu(*command, env=env, stderr=sink)

        def registered_so_far() -> bool:
            lines = progress.read_text().splitlines()
            return any(line.startswith("10/") for line in lines)

        await eventually(registered_so_far, timeout=60, interval=0.02, what="10 rows done")
        first.send_signal(signal.SIGKILL)
        first.communicate()
    cut_short = await incoming_documents(servers.mongo_uri, database, agency)
    assert 10 <= len(cut_short) < rows

    code, report = finished(vanthu(*command, env=env))
    assert code == 0, report
    done_before = len(cut_short)
    assert f"{rows - done_before} registered, {done_before} already registered" in report

    code, report = finished(vanthu(*command, env=env))
    assert code == 0, report
    assert f"0 registered, {rows} already registered by an earlier run, 0 refused" in report

    documents = await incoming_documents(servers.mongo_uri, database, agency)
    assert sorted(int(d["metadata"]["code_number"]) for d in documents) == list(range(1, rows + 1))
    assert sorted(d["number"] for d in documents) == list(range(1, rows + 1))
    assert all(d["status"] == "registered" for d in documents)
    # Each waits for the worker's relay with its own `document.received`, once.
    assert all(len(d["outbox"]) == 1 for d in documents)
    assert {d["files"][0]["name"] for d in documents} == {p.name for p in folder.rglob("*.pdf")}


async def test_bad_rows_are_reported_by_row_and_field_while_the_good_rows_are_registered(
    intake, clerk, agency, tmp_path
) -> None:
    already = tiny_pdf()
    registered = await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", already)))
    assert registered.status_code == 201
    folder = scan_folder(tmp_path, 3, first_number=701)
    (folder / "dup.pdf").write_bytes(already)
    with (folder / "manifest.csv").open("a", encoding="utf-8") as manifest:
        manifest.write("0000.pdf,Bộ Nội vụ,,Quyết định,9,QĐ--BNV,02/03/2026,x,0,TT,B,,\n")
        manifest.write("gone.pdf,Bộ Nội vụ,,Quyết định,10,QĐ-BNV,02/03/2026,x,1,TT,B,,\n")
        manifest.write("dup.pdf,Bộ Nội vụ,,Quyết định,11,QĐ-BNV,02/03/2026,x,1,TT,B,,\n")
    command = ("intake", "import-scans", str(folder), "--agency", agency, "--user", "vt-import")

    code, report = finished(vanthu(*command, env=intake.env))

    assert code == 1
    lines = report.splitlines()
    row_5 = next(line for line in lines if line.startswith("row 5: "))
    assert "code_notation:" in row_5
    assert "page_count:" in row_5
    assert any(line.startswith("row 6: file: 'gone.pdf' is not in the folder") for line in lines)
    assert any(
        line.startswith(f"row 7: file: already registered as document {registered.json()['id']}")
        for line in lines
    )
    assert "3 registered, 0 already registered by an earlier run, 3 refused" in report
    listing = (await clerk.get("/v1/documents", params={"limit": 10})).json()
    numbers = sorted((d["arrival_number"], d["metadata"]["code_number"]) for d in listing["items"])
    assert numbers[0][0] == 1
    assert [n for n, _ in numbers] == [1, 2, 3, 4]
    assert sorted(c for _, c in numbers[1:]) == ["701", "702", "703"]


def legacy_line(agency: str, legacy_id: str, when: datetime, number: int, **extra: object) -> str:
    meta = {
        "issuer": {"name": "UBND huyện Nghi Lộc"},
        "document_type": "Công văn",
        "code_number": str(number),
        "code_notation": "UBND-VX",
        "issued_date": vietnam_date(when).isoformat(),
        "subject": "Về việc báo cáo số liệu",
        "page_count": 1,
        "signer": {"position": "Chủ tịch", "full_name": "Lê Thị C"},
        **extra.pop("metadata", {}),  # type: ignore[dict-item]
    }
    return json.dumps(
        {
            "legacy_id": legacy_id,
            "agency_code": agency,
            "registered_at": when.isoformat(),
            "arrival_year": vietnam_date(when).year,
            "arrival_number": number,
            "metadata": meta,
            **extra,
        },
        ensure_ascii=False,
    )


async def test_migrated_documents_keep_their_old_ids_numbers_and_links(
    intake, clerk, agency, tmp_path
) -> None:
    export = tmp_path / "export"
    (export / "files" / "2019").mkdir(parents=True)
    scan = tiny_pdf()
    (export / "files" / "2019" / "000123.pdf").write_bytes(scan)
    old = datetime(2019, 3, 5, 1, 15, tzinfo=UTC)
    recent = datetime.now(UTC) - timedelta(hours=1)
    legacy_ids = [f"VB-{secrets.token_hex(3)}" for _ in range(3)]
    lines = [
        legacy_line(
            agency,
            legacy_ids[0],
            old,
            123,
            files=[{"path": "files/2019/000123.pdf", "name": "QD-05.pdf"}],
            old_urls=["/vanban/123"],
        ),
        legacy_line(agency, legacy_ids[1], recent, 5),
        legacy_line(
            agency,
            legacy_ids[2],
            recent,
            6,
            metadata={"confidentiality": "Mật", "allowed_user_ids": ["u-042"]},
        ),
        '{"legacy_id": "VB-bad", "agency_code": "' + agency + '"}',
    ]
    (export / "documents.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = ("intake", "migrate", str(export / "documents.jsonl"), "--user", "admin-mig")

    code, report = finished(vanthu(*command, env=intake.env))
    assert code == 1
    assert "line 4: registered_at:" in report
    assert "3 registered, 0 already registered by an earlier run, 1 refused" in report
    code, report = finished(vanthu(*command, env=intake.env))
    assert "0 registered, 3 already registered by an earlier run, 1 refused" in report

    moved = await clerk.get(f"/legacy/{legacy_ids[0]}", follow_redirects=False)
    assert moved.status_code == 308
    document = (await clerk.get(moved.headers["location"])).json()
    assert (document["arrival_number"], document["arrival_year"]) == (123, 2019)
    assert document["legacy_id"] == legacy_ids[0]
    assert document["files"][0]["sha256"] == hashlib.sha256(scan).hexdigest()
    assert document["channel"] == "migration"

    unknown = await clerk.get("/legacy/VB-never-existed", follow_redirects=False)
    assert unknown.status_code == 404
    assert "VB-never-existed" in unknown.json()["detail"]
    async with intake.client("someone", random_agency(), "clerk") as stranger:
        assert (await stranger.get(f"/legacy/{legacy_ids[0]}")).status_code == 404
    assert (await clerk.get(f"/legacy/{legacy_ids[2]}")).status_code == 404
    async with intake.client("u-042", agency, "leader") as named:
        allowed = await named.get(f"/legacy/{legacy_ids[2]}", follow_redirects=False)
        assert allowed.status_code == 308

    # New numbers of the year continue after the migrated ones, and never take theirs.
    after = await clerk.post("/v1/documents", **form(metadata(), ("n.pdf", tiny_pdf())))
    assert after.json()["arrival_number"] == 7
    clash = legacy_line(agency, "VB-late", recent, 7)
    (export / "late.jsonl").write_text(clash + "\n", encoding="utf-8")
    code, report = finished(
        vanthu("intake", "migrate", str(export / "late.jsonl"), "--user", "a", env=intake.env)
    )
    assert code == 1
    assert f"line 1: arrival_number: 7 of {vietnam_date(recent).year} is already taken" in report
