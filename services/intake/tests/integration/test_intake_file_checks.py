"""A scanner's PDF 1.3 is registered whatever its label, kept bit-exact, with a PDF/A derivative
that meets ND 30."""

from __future__ import annotations

import io
import secrets

import httpx
import pikepdf
import pytest
from harness.polling import eventually
from intake_testkit import FONT, fold, form, metadata
from PIL import Image, ImageDraw, ImageFont
from vanthu_runtime.file_checks import digitised_copy_problems

from conftest import running_intake

BUCKET = f"test-files-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
async def intake(servers, platform_settings, topics_ready):
    """Its own database, bucket and worker: what it stores is counted, and OCR waits for nobody."""
    async with running_intake(servers, platform_settings, bucket=BUCKET) as running:
        yield running


def scanners_pdf_1_3(lines: list[str]) -> bytes:
    """An A4 page scanned at 200 dpi with a few lines of Vietnamese, as a PDF 1.3."""
    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 46)
    for row, line in enumerate(lines):
        draw.text((160, 220 + row * 90), line, font=font, fill=0)
    page.putpixel((0, 0), secrets.randbelow(200))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=200)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        rewritten = io.BytesIO()
        pdf.save(rewritten, force_version="1.3")
    data = rewritten.getvalue()
    assert data.startswith(b"%PDF-1.3")
    return data


async def _download(clerk, document_id: str, file_id: str) -> bytes:
    link = (await clerk.get(f"/v1/documents/{document_id}/files/{file_id}/link")).json()
    async with httpx.AsyncClient() as anonymous:
        return (await anonymous.get(link["url"])).content


@pytest.mark.parametrize("channel", ["paper", "electronic"])
async def test_a_200_dpi_scan_in_pdf_1_3_is_registered_kept_bit_exact_with_an_nd30_derivative(
    clerk, channel
) -> None:
    scan = scanners_pdf_1_3(["QUYẾT ĐỊNH về việc ban hành", "Quy chế công tác văn thư"])

    created = await clerk.post("/v1/documents", **form(metadata(channel=channel), ("s.pdf", scan)))

    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    file_id = created.json()["files"][0]["file_id"]

    async def digitised():
        body = (await clerk.get(f"/v1/documents/{document_id}")).json()
        return body if body["ocr"] else None

    body = await eventually(digitised, timeout=120, interval=0.5, what="the scan's OCR")
    ocr = body["ocr"][file_id]
    assert ocr["derivative_problems"] == []
    assert "quyet dinh" in fold(ocr["text"])
    assert await _download(clerk, document_id, file_id) == scan
    derivative = await _download(clerk, document_id, ocr["derivative"]["file_id"])
    assert digitised_copy_problems(derivative) == []
    with pikepdf.open(io.BytesIO(derivative)) as pdf:
        assert pdf.open_metadata().pdfa_status
        assert tuple(map(int, pdf.pdf_version.split("."))) >= (1, 4)
