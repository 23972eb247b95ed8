"""Only the agency's clerks register; people see their agency's documents, secrets only if named."""

from __future__ import annotations

import httpx
from intake_testkit import form, metadata, random_agency, tiny_pdf


async def test_registering_without_a_token_is_unauthorised(intake) -> None:
    async with httpx.AsyncClient(base_url=intake.api.url) as anonymous:
        response = await anonymous.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))
    assert response.status_code == 401


async def test_a_specialist_cannot_register_documents(intake, agency) -> None:
    async with intake.client("spec1", agency, "specialist") as specialist:
        response = await specialist.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))
    assert response.status_code == 403


async def test_another_agencys_clerk_cannot_see_the_document(intake, clerk) -> None:
    created = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()

    async with intake.client("other", random_agency(), "clerk") as stranger:
        response = await stranger.get(f"/v1/documents/{created['id']}")
        listing = await stranger.get("/v1/documents")

    assert response.status_code == 404
    assert listing.json()["total"] == 0


async def test_a_secret_document_is_seen_only_by_the_people_named_on_it(
    intake, clerk, agency
) -> None:
    secret = metadata(confidentiality="Tối mật", allowed_user_ids=["leader-a"])
    created = (await clerk.post("/v1/documents", **form(secret, ("a.pdf", tiny_pdf())))).json()

    async with intake.client("leader-a", agency, "leader") as named:
        seen = await named.get(f"/v1/documents/{created['id']}")
        named_list = await named.get("/v1/documents")
    async with intake.client("leader-b", agency, "leader") as other:
        hidden = await other.get(f"/v1/documents/{created['id']}")
        other_list = await other.get("/v1/documents")

    assert seen.status_code == 200
    assert named_list.json()["total"] == 1
    assert hidden.status_code == 404
    assert other_list.json()["total"] == 0
