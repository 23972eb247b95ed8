"""OCR with Tesseract (Vietnamese) through OCRmyPDF, both the Debian packages, run as programs.

OCRmyPDF makes the searchable PDF/A derivative (the digitised copy ND 30 asks for, whatever the
version of the scanner's PDF) and the plain text; it reports no confidence, so each
page image is read once more by Tesseract in TSV mode, whose per-word confidences give the page's
mean (pages below the threshold are flagged for a person). PDFs are rasterised with Ghostscript
for that second reading. The original bytes are only ever read.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import structlog

from vanthu_intake.ports import OcrResult, UnreadableScan

log = structlog.get_logger(__name__)

_SUFFIX = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}


class OcrFailed(Exception):
    """OCR did not run to the end for a reason that may pass (a missing program, a timeout)."""


# OCRmyPDF's exit codes that are about the input itself: 2 the input file (not an image or PDF it
# can read), 4 the output it made is not a valid PDF, 8 the PDF is encrypted.
_INPUT_REFUSED = frozenset({2, 4, 8})


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OcrFailed(f"{name} is not installed (deploy/local/prereqs.sh installs it)")
    return found


async def _run(
    args: list[str], timeout_s: float, input_refused: frozenset[int] = frozenset()
) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise OcrFailed(f"{Path(args[0]).name} took longer than {timeout_s:g} s") from None
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip()[-500:]
        message = f"{Path(args[0]).name} exited with {process.returncode}: {tail}"
        if process.returncode in input_refused:
            raise UnreadableScan(message)
        raise OcrFailed(message)
    return stdout


def page_confidences(tsv: str) -> tuple[float, ...]:
    """Mean word confidence (0..1) of each page of a Tesseract TSV; a page with no words is 0."""
    words: defaultdict[int, list[float]] = defaultdict(list)
    pages: set[int] = set()
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            page = int(row["page_num"])
            confidence = float(row["conf"])
        except (KeyError, TypeError, ValueError):
            continue
        pages.add(page)
        if row.get("level") == "5" and confidence >= 0 and (row.get("text") or "").strip():
            words[page].append(confidence / 100)
    return tuple(
        round(sum(words[p]) / len(words[p]), 4) if words[p] else 0.0 for p in sorted(pages)
    )


def _list_pages(work: Path) -> Path:
    """Tesseract reads several images when given a text file naming them, one a line."""
    listing = work / "pages.txt"
    listing.write_text("\n".join(str(p) for p in sorted(work.glob("page-*.png"))) + "\n")
    return listing


class OcrmypdfOcrEngine:
    def __init__(self, language: str = "vie", timeout_s: float = 300.0) -> None:
        self._language = language
        self._timeout_s = timeout_s

    async def read(self, data: bytes, media_type: str) -> OcrResult:
        with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as folder:
            work = Path(folder)
            source = work / f"original{_SUFFIX.get(media_type, '.bin')}"
            source.write_bytes(data)
            derivative = work / "searchable.pdf"
            sidecar = work / "text.txt"
            args = [
                _program("ocrmypdf"),
                "--quiet",
                "--language",
                self._language,
                "--output-type",
                "pdfa",
                "--sidecar",
                str(sidecar),
            ]
            if media_type == "application/pdf":
                # Born-digital pages already carry their text; only scanned pages are read.
                args.append("--skip-text")
            else:
                # Used only when the image does not say its own resolution.
                args += ["--image-dpi", "300"]
            await _run([*args, str(source), str(derivative)], self._timeout_s, _INPUT_REFUSED)
            confidences = await self._confidences(work, source, media_type)
            return OcrResult(
                searchable_pdf=derivative.read_bytes(),
                text=sidecar.read_text(encoding="utf-8", errors="replace"),
                page_confidences=confidences or (0.0,),
            )

    async def _confidences(self, work: Path, source: Path, media_type: str) -> tuple[float, ...]:
        if media_type == "application/pdf":
            await _run(
                [
                    _program("gs"),
                    "-q",
                    "-dSAFER",
                    "-dBATCH",
                    "-dNOPAUSE",
                    "-sDEVICE=pnggray",
                    "-r200",
                    f"-sOutputFile={work / 'page-%04d.png'}",
                    str(source),
                ],
                self._timeout_s,
            )
            target = await asyncio.to_thread(_list_pages, work)
        else:
            target = source
        tsv = await _run(
            [_program("tesseract"), str(target), "stdout", "-l", self._language, "tsv"],
            self._timeout_s,
        )
        return page_confidences(tsv.decode("utf-8", errors="replace"))
