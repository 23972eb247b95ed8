"""Helpers of intake's integration tests: the running processes, sample metadata and scans, Kafka reads."""

from __future__ import annotations

import io
import json
import secrets
from datetime import date
from typing import Any

import httpx
from harness.kafka_reads import records_keyed
from harness.pdfs import one_page_pdf
from harness.processes import ServiceProcess
from PIL import Image, ImageDraw, ImageFont
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MAX_UPLOAD_BYTES = 300_000
NAMED_AGENCY = "321.54.76.H98"
NAMED_AGENCY_NAME = "Ủy ban nhân dân tỉnh Thử Nghiệm"
"""The one agency whose name the test deployment is told (VANTHU_INTAKE_AGENCY_NAMES)."""


class Intake:
    """The running intake processes and a way to call them as a given user."""

    def __init__(
        self, api: ServiceProcess, worker: ServiceProcess, auth: AuthSettings, env: dict[str, str]
    ) -> None:
        self.api = api
        self.worker = worker
        self.auth = auth
        self.env = env

    def token(self, user: str, agency: str, *roles: str, name: str = "") -> str:
        return issue_dev_token(
            self.auth,
            user_id=user,
            agency_code=agency,
            roles=list(roles or ("clerk",)),
            full_name=name or user,
        )

    def client(self, user: str, agency: str, *roles: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.api.url,
            headers={"Authorization": f"Bearer {self.token(user, agency, *roles)}"},
            timeout=60,
        )


def random_agency() -> str:
    """A fresh agency per test, so its registers start at 1."""
    n = secrets.randbelow(10**7)
    return f"{n // 10**4:03d}.{n // 100 % 100:02d}.{n % 100:02d}.H{secrets.randbelow(100):02d}"


def metadata(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "channel": "electronic",
        "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
        "document_type": "QĐ",
        "code_number": str(secrets.randbelow(10**6) + 1),
        "code_notation": "QĐ-BNV",
        "issued_date": date(2026, 3, 2).isoformat(),
        "subject": "Về việc ban hành Quy chế công tác văn thư",
        "page_count": 1,
        "signer": {
            "competence": "KT. BỘ TRƯỞNG",
            "position": "Thứ trưởng",
            "full_name": "Trần Văn B",
        },
    }
    base.update(changes)
    return base


def png_scan(lines: list[str] | None = None) -> bytes:
    """A small scan-like PNG; random noise in a corner makes each one's bytes unique."""
    image = Image.new("L", (1600, 500), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44)
    for row, line in enumerate(lines or ["Văn bản thử nghiệm"]):
        draw.text((70, 80 + row * 110), line, font=font, fill=0)
    for i, byte in enumerate(secrets.token_bytes(16)):
        image.putpixel((i, 0), byte)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


# The intake tests' name for the harness's small PDF: cheap to check, no OCR.
tiny_pdf = one_page_pdf


def form(meta: dict[str, Any], *files: tuple[str, bytes], **fields: str) -> dict[str, Any]:
    return {
        "data": {"metadata": json.dumps(meta, ensure_ascii=False), **fields},
        "files": [("file", (name, data)) for name, data in files],
    }


async def events_keyed(bootstrap: str, topic: str, key: str) -> list[Any]:
    """Every record on `topic` whose key is `key`, from the beginning."""
    return await records_keyed(bootstrap, topic, key)


def header(message: Any, name: str) -> str | None:
    for key, value in message.headers or ():
        if key == name:
            return value.decode()
    return None


def pdf_document(text: str = "Quyết định về công tác văn thư", *, compress: bool = True) -> bytes:
    """A small born-digital PDF with Vietnamese text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_page()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 10, text + " " + secrets.token_hex(4))
    return bytes(pdf.output())


async def sign_pdf(pdf: bytes, folder: Any, common_name: str = "Nguyễn Văn An") -> bytes:
    """`pdf` signed (PAdES) with a fresh self-signed certificate, which nobody trusts."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bộ Nội vụ"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_file = folder / f"key-{secrets.token_hex(3)}.pem"
    cert_file = folder / f"cert-{secrets.token_hex(3)}.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file))
    assert signer is not None
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = await signers.async_sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="ChuKySo"), signer=signer
    )
    return signed.getvalue()


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as poppler's pdftotext reads it in drawing order (a table cell's lines
    stay together), every run of whitespace one space."""
    import subprocess

    read = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(read.stdout.decode("utf-8").split())


def fold(text: str) -> str:
    """Lower case without accents, one space between words: OCR gets diacritics not quite right."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())
