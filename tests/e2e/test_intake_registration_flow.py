"""End to end: a clerk registers a Vietnamese scan; the registration is on Kafka and the scan's words
come back as OCR text, with every service of `make run` up."""

from __future__ import annotations

import io
import json
import secrets
import unicodedata

import httpx
from harness.kafka_reads import end_offsets, records_keyed
from harness.polling import eventually
from PIL import Image, ImageDraw, ImageFont
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ["QUYẾT ĐỊNH về việc ban hành", "Quy chế công tác văn thư lưu trữ"]


def vietnamese_scan() -> bytes:
    image = Image.new("L", (1600, 420), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 44)
    for row, line in enumerate(LINES):
        draw.text((70, 80 + row * 110), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def fold(text: str) -> str:
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in bare if not unicodedata.combining(c)).lower().split())


TOPIC = "document.received"


async def test_a_registered_vietnamese_scan_is_announced_and_its_words_are_read_back(
    running_services, platform_settings
) -> None:
    api = running_services["intake-api"]
    auth = AuthSettings(dev_mode=True, dev_secret=api.env["VANTHU_AUTH_DEV_SECRET"])
    agency = f"{secrets.randbelow(1000):03d}.{secrets.randbelow(100):02d}.00.H41"
    token = issue_dev_token(auth, user_id="vanthu01", agency_code=agency, roles=["clerk"])
    metadata = {
        "channel": "paper",
        "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
        "document_type": "Quyết định",
        "code_number": "15",
        "code_notation": "QĐ-BNV",
        "issued_date": "2026-03-02",
        "subject": "Về việc ban hành Quy chế công tác văn thư, lưu trữ",
        "page_count": 1,
        "signer": {
            "competence": "KT. BỘ TRƯỞNG",
            "position": "Thứ trưởng",
            "full_name": "Trần Văn B",
        },
    }
    async with httpx.AsyncClient(
        base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as clerk:
        bootstrap = platform_settings.kafka.bootstrap_servers
        before = await end_offsets(bootstrap, TOPIC)
        created = await clerk.post(
            "/v1/documents",
            data={"metadata": json.dumps(metadata, ensure_ascii=False)},
            files=[("file", ("scan.png", vietnamese_scan(), "image/png"))],
        )
        assert created.status_code == 201, created.text
        document = created.json()
        assert document["arrival_number"] == 1

        published = await eventually(
            lambda: records_keyed(bootstrap, TOPIC, document["id"], start=before),
            timeout=120,
            what="document.received",
        )
        received = published[0]
        headers = {k: v.decode() for k, v in received.headers}
        assert headers["ce_type"] == "vanthu.intake.document.received.v2"
        assert headers["ce_source"] == "/vanthu/intake"
        assert headers["ce_subject"] == document["id"]
        assert headers["ce_agencycode"] == agency
        assert received.key == document["id"].encode()

        async def ocr_text() -> str:
            body = (await clerk.get(f"/v1/documents/{document['id']}")).json()
            return " ".join(result.get("text") or "" for result in body["ocr"].values())

        text = fold(await eventually(ocr_text, timeout=120, interval=1, what="OCR text"))
    for words in ("quyet dinh", "ban hanh", "quy che", "van thu"):
        assert words in text
