"""A hostile corpus for upload endpoints: files that claim to be PDF or images and are not, carry
active content, need a password or declare billions of pixels, and names that try to escape.

Every file is made here, in memory, so the corpus needs no fixtures on disk and each run's bytes
are fresh (a random comment or pixel keeps them from being duplicates of an earlier run). Used by
intake's tests and meant for every service that takes uploads (routing's slips and drafts,
exchange's portal reply):

    for case in hostile_corpus(): response = post(case.name, case.data); assert 400 <= ... < 500
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass

import pikepdf
from PIL import Image

WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44


@dataclass(frozen=True)
class HostileFile:
    label: str
    name: str
    data: bytes
    refused_because: str
    """A word the refusal's reason contains."""


def scan_pdf(*, version: str = "1.4", dpi: int = 200, pages: int = 1) -> bytes:
    """A scanner's PDF: each page one grey A4 image at `dpi`, no text; `version` in the header
    (ordinary scanners still write 1.3)."""
    images = []
    for _ in range(pages):
        page = Image.new("L", (int(8.27 * dpi), int(11.69 * dpi)), 255)
        page.putpixel((0, 0), secrets.randbelow(255))
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, format="PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return _resaved(out.getvalue(), version=version)


def small_png() -> bytes:
    image = Image.new("L", (400, 200), 255)
    for i, byte in enumerate(secrets.token_bytes(16)):
        image.putpixel((i, 0), byte)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def header_only_pdf() -> bytes:
    return b"%PDF-1.7\n%" + secrets.token_hex(4).encode() + b"\n"


def html_after_pdf_header() -> bytes:
    return b"%PDF-1.4\n<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"


def zip_after_pdf_header() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("word/document.xml", "<w:document/>" + secrets.token_hex(4))
    return b"%PDF-1.5\n" + archive.getvalue()


def truncated_png() -> bytes:
    whole = small_png()
    return whole[: len(whole) * 2 // 3]


def pdf_with_javascript_and_exe() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.launchURL('x')"))
    )
    pdf.attachments["setup.exe"] = pikepdf.AttachedFileSpec(
        pdf, WINDOWS_PROGRAM + secrets.token_bytes(8), filename="setup.exe"
    )
    return _saved(pdf)


def pdf_with_javascript() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("run"), script]))
    )
    return _saved(pdf)


def pdf_with_embedded_exe() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["hoa-don.exe"] = pikepdf.AttachedFileSpec(
        pdf, WINDOWS_PROGRAM + secrets.token_bytes(8), filename="hoa-don.exe"
    )
    return _saved(pdf)


def pdf_with_launch_action() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"), NewWindow=True
    )
    return _saved(pdf)


def encrypted_pdf(*, user_password: str = "mat-khau") -> bytes:
    """Opening needs `user_password` (none: only an owner password restricts printing)."""
    pdf = pikepdf.open(io.BytesIO(scan_pdf()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="chu-so-huu", user=user_password, R=6))
    return out.getvalue()


def png_bomb() -> bytes:
    """A 20,000 × 20,000 picture (400 million pixels) in about 50 KB."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_bomb_under_pillows_limit() -> bytes:
    """10,000 × 10,000: under what Pillow refuses by itself, over our limit."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(out, format="PNG")
    return out.getvalue()


def tiff_bomb() -> bytes:
    """A two-page TIFF whose first page is a small scan and whose second is 400 million pixels
    (Pillow checks only the first page when it opens a file)."""
    first = Image.new("1", (800, 1100), 1)
    second = Image.new("1", (20_000, 20_000), 1)
    out = io.BytesIO()
    first.save(out, format="TIFF", compression="group4", save_all=True, append_images=[second])
    return out.getvalue()


def hostile_corpus() -> list[HostileFile]:
    """Each hostile file, named as its sender would name it, with what its refusal mentions."""
    return [
        HostileFile("header-only PDF", "cong-van.pdf", header_only_pdf(), "PDF"),
        HostileFile("truncated PNG", "scan.png", truncated_png(), "PNG"),
        HostileFile("HTML after %PDF-", "cong-van.pdf", html_after_pdf_header(), "PDF"),
        HostileFile("ZIP after %PDF-", "cong-van.pdf", zip_after_pdf_header(), "PDF"),
        HostileFile(
            "PDF with JavaScript and an embedded EXE",
            "quyet-dinh.pdf",
            pdf_with_javascript_and_exe(),
            "JavaScript",
        ),
        HostileFile("PDF with a launch action", "to-trinh.pdf", pdf_with_launch_action(), "launch"),
        HostileFile("PNG bomb", "scan.png", png_bomb(), "pixels"),
        HostileFile("TIFF bomb", "scan.tif", tiff_bomb(), "pixels"),
        HostileFile("ELF program named .pdf", "cong-van.pdf", LINUX_PROGRAM, "Linux program"),
    ]


HOSTILE_NAMES = (
    "../../../etc/passwd.pdf",
    "..\\..\\Windows\\System32\\scan.pdf",
    "scan\x00.exe.pdf",
    "cong-van\r\nContent-Type: text/html\r\n\r\n<script>.pdf",
    "\u202egpj.exe.pdf",
    "..",
)


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _resaved(data: bytes, *, version: str) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, force_version=version, min_version=version)
        return out.getvalue()
