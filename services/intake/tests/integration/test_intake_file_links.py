"""Every file intake keeps opens through a short-lived link, for the people who may see it."""

from __future__ import annotations

import hashlib
import secrets

import httpx
from harness.polling import eventually
from harness.samples import sample_event
from intake_testkit import form, metadata, png_scan, random_agency, tiny_pdf
from vanthu_contracts.events.values import Attachment
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client


async def _downloaded(links: list[dict]) -> dict[str, bytes]:
    """Each link fetched without any token, by the role of its file."""
    async with httpx.AsyncClient() as anonymous:
        return {link["file"]["role"]: (await anonymous.get(link["url"])).content for link in links}


async def test_the_original_its_attachment_and_the_ocr_derivative_each_open_by_a_link(
    intake, clerk, agency
) -> None:
    scan, annex = png_scan(["Quyết định số 15"]), tiny_pdf()
    created = await clerk.post(
        "/v1/documents",
        **form(metadata(channel="paper"), ("scan.png", scan), ("annex.pdf", annex)),
    )
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]

    async def with_derivative() -> list[dict] | None:
        response = await clerk.get(f"/v1/documents/{document_id}/files")
        links = response.json()["items"]
        return links if any(f["file"]["role"] == "ocr_derivative" for f in links) else None

    links = await eventually(with_derivative, timeout=120, what="the OCR derivative's link")

    assert all(link["expires_in_s"] == 300 for link in links)
    files = await _downloaded(links)
    assert (files["original"], files["attachment"]) == (scan, annex)
    (derivative,) = [link["file"] for link in links if link["file"]["role"] == "ocr_derivative"]
    assert hashlib.sha256(files["ocr_derivative"]).hexdigest() == derivative["sha256"]
    assert files["ocr_derivative"].startswith(b"%PDF-")


async def test_an_attachment_received_over_the_exchange_opens_by_a_link(
    intake, publisher, platform_settings
) -> None:
    agency = random_agency()
    package_id = secrets.token_hex(8)
    received = tiny_pdf()
    key = f"packages/{package_id}/attachments/15-QD-BNV.pdf"
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    stored = await blobs.put(key, received, "application/pdf")
    await publisher.publish(
        sample_event(
            "vanthu.exchange.package.received.v1",
            package_id=package_id,
            agency_code=agency,
            attachments=(
                Attachment(
                    object_key=key,
                    name="15-QD-BNV.pdf",
                    media_type="application/pdf",
                    sha256=stored.sha256,
                    size=stored.size,
                ),
            ),
        )
    )

    async with intake.client("vt-exchange", agency, "clerk") as clerk:

        async def registered() -> list[dict] | None:
            return (await clerk.get("/v1/documents")).json()["items"]

        (document,) = await eventually(registered, timeout=60, what="the package registered")
        links = (await clerk.get(f"/v1/documents/{document['id']}/files")).json()["items"]

    assert (await _downloaded(links))["original"] == received


async def test_nobody_outside_those_who_may_see_the_document_gets_a_link(
    intake, clerk, agency
) -> None:
    secret = metadata(confidentiality="Mật", allowed_user_ids=["leader-named"])
    created = (await clerk.post("/v1/documents", **form(secret, ("a.pdf", tiny_pdf())))).json()
    path = f"/v1/documents/{created['id']}/files"

    async with intake.client("leader-named", agency, "leader") as named:
        assert (await named.get(path)).status_code == 200
    async with intake.client("leader-other", agency, "leader") as not_named:
        assert (await not_named.get(path)).status_code == 404
    async with intake.client("vt-other", random_agency(), "clerk") as stranger:
        assert (await stranger.get(path)).status_code == 404
    async with intake.client("cv-1", agency, "specialist") as specialist:
        assert (await specialist.get(path)).status_code == 403
