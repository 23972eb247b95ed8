"""Helpers of the signing tests (issue 14): the token made by deploy/local/signing.sh in a state
folder of the test session, the remote signing SIMULATOR as a process of its own, and approved
drafts whose PDF is really in the blob store."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness.processes import free_port
from harness.samples import sample_event
from vanthu_contracts.events.values import FileRef
from vanthu_intake.adapters.minio_file_store import MinioFileStore
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.platform import PlatformSettings

ROOT = Path(__file__).resolve().parents[4]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

SIGNING_AGENCY = "321.54.76.H97"
SIGNING_AGENCY_NAME = "Ủy ban nhân dân tỉnh Ký Thử"
TOKEN_LEADER = "lanhdao-token"
TOKEN_LEADER_NAME = "Nguyễn Văn An"
# People who sign through the remote provider (the simulator), one per behaviour tested.
REMOTE_LEADERS = {
    "confirm": "lanhdao-tu-xa-dong-y",
    "batch": "lanhdao-tu-xa-lo",
    "reject": "lanhdao-tu-xa-tu-choi",
    "ignore": "lanhdao-tu-xa-het-gio",
    "revoked": "lanhdao-tu-xa-thu-hoi",
}
REMOTE_WAIT_S = 4


@dataclass(frozen=True)
class SigningSetup:
    state: Path
    env: dict[str, str]
    """What `signing.sh env` prints: module, token label, PIN, trust list."""

    @property
    def trust_dir(self) -> Path:
        return Path(self.env["VANTHU_INTAKE_TRUST_ROOTS_DIR"])


def make_token() -> SigningSetup:
    """Runs `deploy/local/signing.sh up` (twice: the second changes nothing) in a fresh folder."""
    state = Path(tempfile.mkdtemp(prefix="vanthu-signing-"))
    keys = "\n".join(
        [
            f"{TOKEN_LEADER}={TOKEN_LEADER_NAME}|{SIGNING_AGENCY_NAME}",
            f"seal:{SIGNING_AGENCY}={SIGNING_AGENCY_NAME}|{SIGNING_AGENCY_NAME}",
        ]
    )
    env = {**os.environ, "VANTHU_STATE_DIR": str(state), "SIGNING_KEYS": keys}
    script = ROOT / "deploy/local/signing.sh"
    for _ in range(2):
        subprocess.run([str(script), "up"], env=env, check=True, capture_output=True)
    printed = subprocess.run(
        [str(script), "env"], env=env, check=True, capture_output=True, text=True
    ).stdout
    settings = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    return SigningSetup(state, settings)


class Simulator:
    """The remote signing SIMULATOR (vanthu_runtime.signing.remote_simulator) in its own process,
    with certificates of the session's development CA."""

    def __init__(self, ca_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vanthu_runtime.signing.remote_simulator",
                    "--port",
                    str(self.port),
                    "--ca-dir",
                    str(ca_dir),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/docs", timeout=2)
                break
            except httpx.TransportError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the remote signing simulator did not start: {log}"
                    ) from None
                time.sleep(0.2)

    def configure(self, credential_id: str, **settings: Any) -> dict[str, Any]:
        answer = httpx.put(f"{self.url}/simulator/credentials/{credential_id}", json=settings)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def confirmations(self, credential_id: str) -> int:
        answer = httpx.get(f"{self.url}/simulator/credentials/{credential_id}")
        answer.raise_for_status()
        return int(answer.json()["confirmations"])

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


def draft_pdf(subject: str = "Về việc giao chỉ tiêu biên chế năm 2027") -> bytes:
    """A one-page draft laid out as ND 30 Phụ lục I: agency and motto on top, the number and date
    lines left empty for the clerk, the signature block's place empty for the signatures."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=12)
    pdf.set_xy(15, 12)
    pdf.multi_cell(85, 6, SIGNING_AGENCY_NAME.upper(), align="C")
    pdf.set_xy(105, 12)
    pdf.multi_cell(
        95, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C"
    )
    pdf.set_xy(20, 55)
    body = "Nội dung quyết định được lãnh đạo phê duyệt. " * 8
    pdf.multi_cell(170, 7, f"QUYẾT ĐỊNH\n{subject}\n{body}\nMã bản thảo {secrets.token_hex(4)}")
    return bytes(pdf.output())


async def store_draft(platform_settings: PlatformSettings, pdf: bytes) -> FileRef:
    """The draft's PDF where routing keeps approved drafts: the deployment's bucket."""
    s3 = platform_settings.s3
    files = MinioFileStore(MinioBlobStore(create_minio_client(s3), s3.bucket))
    stored = await files.put(pdf, "application/pdf")
    return FileRef(
        file_id=str(uuid.uuid4()),
        name="du-thao.pdf",
        media_type="application/pdf",
        size=stored.size,
        sha256=stored.sha256,
        object_key=stored.object_key,
        role="original",
    )


async def approve_draft(publisher: Any, platform_settings: PlatformSettings) -> str:
    """A draft routing approved, its PDF stored: the draft's id."""
    draft_id = f"draft-{secrets.token_hex(5)}"
    file = await store_draft(platform_settings, draft_pdf())
    await publisher.publish(
        sample_event(
            "vanthu.routing.draft.approved.v1",
            agency_code=SIGNING_AGENCY,
            draft_id=draft_id,
            file=file,
        )
    )
    return draft_id


def pdf_tool(*args: str, data: bytes) -> str:
    """Runs a poppler tool on `data` (written to a temporary file), answering its output."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run(
            [args[0], *args[1:], handle.name, *(["-"] if args[0] == "pdftotext" else [])],
            capture_output=True,
            text=True,
            check=False,
        )
    return done.stdout + done.stderr


def rendered_page(data: bytes, page: int = 1) -> Any:
    """The page as poppler's pdftoppm draws it (a Pillow image, 72 dpi)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "72",
                "-png",
                "-singlefile",
                "-f",
                str(page),
                "-l",
                str(page),
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return image.convert("RGB")


def red_pixels(image: Any, box: tuple[int, int, int, int]) -> int:
    """How many clearly red pixels (the seal's ink) the box of `image` holds."""
    area = image.crop(box)
    return sum(1 for r, g, b in area.get_flattened_data() if r > 150 and g < 90 and b < 90)
