"""Duplicates are caught even when the two uploads race each other (claims keyed by `_id`)."""

from __future__ import annotations

import asyncio

from intake_testkit import form, metadata, tiny_pdf


async def test_identical_uploads_racing_each_other_get_one_201_and_the_rest_409(clerk) -> None:
    meta, scan = metadata(), tiny_pdf()

    answers = await asyncio.gather(
        *(clerk.post("/v1/documents", **form(meta, ("a.pdf", scan))) for _ in range(6))
    )

    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409, 409, 409]
    (created,) = [a.json() for a in answers if a.status_code == 201]
    assert {a.json()["existing_id"] for a in answers if a.status_code == 409} == {created["id"]}


async def test_the_same_document_on_two_scans_at_once_is_registered_once(clerk) -> None:
    meta = metadata()

    answers = await asyncio.gather(
        clerk.post("/v1/documents", **form(meta, ("a.pdf", tiny_pdf()))),
        clerk.post("/v1/documents", **form(meta, ("b.pdf", tiny_pdf()))),
    )

    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a.json() for a in answers if a.status_code == 409)
    assert refused["same"] == "issuer, number, notation and date"


async def test_a_voided_registration_no_longer_blocks_registering_the_document_again(
    clerk,
) -> None:
    meta, scan = metadata(), tiny_pdf()
    first = (await clerk.post("/v1/documents", **form(meta, ("a.pdf", scan)))).json()
    voided = await clerk.post(f"/v1/documents/{first['id']}/void", json={"reason": "nhầm số"})
    assert voided.status_code == 200

    again = await clerk.post("/v1/documents", **form(meta, ("a.pdf", scan)))

    assert again.status_code == 201
    assert again.json()["arrival_number"] == first["arrival_number"] + 1
    assert "duplicate_of" not in again.json()


async def test_a_refused_duplicate_leaves_the_register_untouched(clerk) -> None:
    meta, scan = metadata(), tiny_pdf()
    first = (await clerk.post("/v1/documents", **form(meta, ("a.pdf", scan)))).json()

    refused = await clerk.post("/v1/documents", **form(meta, ("a.pdf", scan)))
    following = await clerk.post("/v1/documents", **form(metadata(), ("c.pdf", tiny_pdf())))

    assert refused.status_code == 409
    assert following.json()["arrival_number"] == first["arrival_number"] + 1
