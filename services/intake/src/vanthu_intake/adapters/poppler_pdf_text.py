"""The text of a PDF as poppler's `pdftotext` reads it (Debian's poppler-utils)."""

from __future__ import annotations

import asyncio
import shutil

import structlog

log = structlog.get_logger(__name__)


class PopplerPdfText:
    def __init__(self, program: str = "pdftotext", timeout_s: float = 60.0) -> None:
        self._program = shutil.which(program) or program
        self._timeout_s = timeout_s

    async def text_of(self, pdf: bytes) -> str | None:
        process = await asyncio.create_subprocess_exec(
            self._program,
            "-enc",
            "UTF-8",
            "-",
            "-",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(pdf), self._timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            return None
        if process.returncode != 0:
            log.warning("pdftotext could not read a PDF", error=err.decode(errors="replace")[:300])
            return None
        return out.decode("utf-8", errors="replace")
