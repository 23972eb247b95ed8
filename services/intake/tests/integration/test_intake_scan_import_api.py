"""A clerk imports a backlog of scans through the API, one row at a time, as the web page does."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
from intake_testkit import metadata, tiny_pdf

HEADER = (
    "file,issuer_name,document_type,code_number,code_notation,issued_date,subject,page_count,"
    "signer_position,signer_full_name,urgency"
)


def row_form(
    meta: dict[str, Any], scan: bytes, *, row: int, path: str, batch: str = "lo-1", **extra: str
) -> dict[str, Any]:
    return {
        "data": {
            "metadata": json.dumps(meta, ensure_ascii=False),
            "batch": batch,
            "row": str(row),
            "path": path,
            **extra,
        },
        "files": [("file", (path.rsplit("/", 1)[-1], scan))],
    }


async def send_batch(
    clerk: httpx.AsyncClient, rows: list[tuple[dict[str, Any], bytes, str]]
) -> list[httpx.Response]:
    return [
        await clerk.post("/v1/imports/scans", **row_form(meta, scan, row=i + 2, path=path))
        for i, (meta, scan, path) in enumerate(rows)
    ]


async def documents_of(clerk: httpx.AsyncClient) -> list[dict[str, Any]]:
    listed = await clerk.get("/v1/documents", params={"kind": "incoming"})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def test_a_batch_sent_row_by_row_is_registered_and_sent_again_is_already_done(
    clerk,
) -> None:
    rows = [(metadata(channel="paper"), tiny_pdf(), f"2026-03/{i:03d}.pdf") for i in range(3)]

    first = await send_batch(clerk, rows)
    again = await send_batch(clerk, rows)

    assert [r.status_code for r in first] == [201, 201, 201], [r.text for r in first]
    assert [r.json()["outcome"] for r in first] == ["registered"] * 3
    assert sorted(r.json()["arrival_number"] for r in first) == [1, 2, 3]
    assert [r.status_code for r in again] == [200, 200, 200], [r.text for r in again]
    assert [r.json()["outcome"] for r in again] == ["already_done"] * 3
    assert [r.json()["document_id"] for r in again] == [r.json()["document_id"] for r in first]
    assert [r.json()["arrival_number"] for r in again] == [
        r.json()["arrival_number"] for r in first
    ]
    documents = await documents_of(clerk)
    assert len(documents) == 3
    assert {d["channel"] for d in documents} == {"paper"}


async def test_a_row_cut_off_after_an_earlier_rows_is_resumed_by_sending_the_batch_again(
    clerk,
) -> None:
    rows = [(metadata(channel="paper"), tiny_pdf(), f"{i:03d}.pdf") for i in range(3)]
    await send_batch(clerk, rows[:1])

    resumed = await send_batch(clerk, rows)

    assert [r.json()["outcome"] for r in resumed] == ["already_done", "registered", "registered"]
    assert [r.json()["arrival_number"] for r in resumed] == [1, 2, 3]


async def test_a_row_with_a_bad_field_is_refused_naming_it_and_registers_nothing(clerk) -> None:
    meta = metadata(channel="paper")
    del meta["subject"]

    missing = await clerk.post(
        "/v1/imports/scans", **row_form(meta, tiny_pdf(), row=2, path="a.pdf")
    )
    no_row = await clerk.post(
        "/v1/imports/scans", **row_form(metadata(), tiny_pdf(), row=0, path="b.pdf")
    )
    outside = await clerk.post(
        "/v1/imports/scans",
        **row_form(metadata(channel="paper"), tiny_pdf(), row=2, path="../c.pdf"),
    )
    electronic = await clerk.post(
        "/v1/imports/scans",
        **row_form(metadata(channel="electronic"), tiny_pdf(), row=2, path="d.pdf"),
    )

    assert missing.status_code == 422
    assert [p["field"] for p in missing.json()["detail"]] == ["metadata.subject"]
    assert no_row.status_code == 422
    assert [p["field"] for p in no_row.json()["detail"]] == ["row"]
    assert outside.status_code == 422
    assert [p["field"] for p in outside.json()["detail"]] == ["path"]
    assert electronic.status_code == 422
    assert [p["field"] for p in electronic.json()["detail"]] == ["metadata.channel"]
    assert await documents_of(clerk) == []


async def test_the_same_scan_under_another_name_is_refused_with_the_document_it_repeats(
    clerk,
) -> None:
    scan = tiny_pdf()
    first = await clerk.post(
        "/v1/imports/scans", **row_form(metadata(channel="paper"), scan, row=2, path="a.pdf")
    )

    other = await clerk.post(
        "/v1/imports/scans", **row_form(metadata(channel="paper"), scan, row=3, path="b.pdf")
    )

    assert other.status_code == 409, other.text
    assert other.json()["field"] == "file"
    assert other.json()["existing_id"] == first.json()["document_id"]
    assert len(await documents_of(clerk)) == 1


async def test_only_the_agencys_clerks_import_scans(intake, agency) -> None:
    form = row_form(metadata(channel="paper"), tiny_pdf(), row=2, path="a.pdf")
    for role in ("leader", "administrator", "auditor"):
        async with intake.client(f"{role}-{secrets.token_hex(3)}", agency, role) as caller:
            refused = await caller.post("/v1/imports/scans", **form)
            assert refused.status_code == 403, (role, refused.text)
            checked = await caller.post("/v1/imports/scans/manifest", json={"csv": HEADER})
            assert checked.status_code == 403, (role, checked.text)


async def test_the_manifest_check_lists_every_bad_row_by_row_and_field(clerk) -> None:
    good = (
        "2026-03/001.pdf,Bộ Nội vụ,Quyết định,12,QĐ-BNV,02/03/2026,Về việc số hóa,1,"
        "Thứ trưởng,Trần Văn B,Hỏa tốc"
    )
    no_subject = "002.pdf,Bộ Nội vụ,Quyết định,13,QĐ-BNV,02/03/2026,,1,Thứ trưởng,Trần Văn B,"
    bad_date = "003.pdf,Bộ Nội vụ,Quyết định,14,QĐ-BNV,31/02/2026,Về việc X,0,Thứ trưởng,Trần B,"
    not_chosen = "004.pdf,Bộ Nội vụ,Quyết định,15,QĐ-BNV,02/03/2026,Về việc Y,1,Thứ trưởng,Trần B,"
    csv = "\n".join([HEADER, good, no_subject, bad_date, not_chosen]) + "\n"

    checked = await clerk.post(
        "/v1/imports/scans/manifest",
        json={"csv": csv, "files": ["001.pdf", "002.pdf", "003.pdf"]},
    )

    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert [(r["row"], r["file"]) for r in body["rows"]] == [(2, "2026-03/001.pdf")]
    assert body["rows"][0]["metadata"]["urgency"] == "flash"
    assert [(p["row"], p["field"]) for p in body["problems"]] == [
        (3, "subject"),
        (4, "issued_date"),
        (4, "page_count"),
        (5, "file"),
    ]
    assert "file" in body["required_columns"]


async def test_a_manifest_without_its_required_columns_is_refused_naming_the_csv(clerk) -> None:
    checked = await clerk.post("/v1/imports/scans/manifest", json={"csv": "file,subject\na,b\n"})

    assert checked.status_code == 422
    assert checked.json()["detail"][0]["field"] == "csv"
    assert "required columns are missing" in checked.json()["detail"][0]["msg"]


async def test_the_rows_the_check_answers_register_as_sent_back(clerk) -> None:
    row = (
        "a.pdf,Bộ Nội vụ,Quyết định,21,QĐ-BNV,02/03/2026,Về việc lưu trữ,2,Thứ trưởng,Trần Văn B,"
        "Hỏa tốc"
    )
    checked = await clerk.post(
        "/v1/imports/scans/manifest", json={"csv": f"{HEADER}\n{row}\n", "files": ["a.pdf"]}
    )
    parsed = checked.json()["rows"][0]

    sent = await clerk.post(
        "/v1/imports/scans",
        **row_form(parsed["metadata"], tiny_pdf(), row=parsed["row"], path=parsed["file"]),
    )

    assert sent.status_code == 201, sent.text
    document = await clerk.get(f"/v1/documents/{sent.json()['document_id']}")
    assert document.json()["metadata"]["urgency"] == "flash"
    assert document.json()["metadata"]["page_count"] == 2
    assert document.json()["channel"] == "paper"


async def test_a_row_with_the_number_of_a_registered_document_goes_in_only_with_a_reason(
    clerk,
) -> None:
    meta = metadata(channel="paper")
    first = await clerk.post("/v1/imports/scans", **row_form(meta, tiny_pdf(), row=2, path="a.pdf"))
    scan = tiny_pdf()

    refused = await clerk.post("/v1/imports/scans", **row_form(meta, scan, row=3, path="b.pdf"))
    anyway = await clerk.post(
        "/v1/imports/scans",
        **row_form(meta, scan, row=3, path="b.pdf", register_anyway_reason="Bản đính chính"),
    )

    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "code_number"
    assert refused.json()["existing_id"] == first.json()["document_id"]
    assert anyway.status_code == 201, anyway.text
    assert anyway.json()["arrival_number"] == 2
