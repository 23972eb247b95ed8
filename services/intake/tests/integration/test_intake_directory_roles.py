"""Where an agency keeps its directory in vanthu (routing's), intake trusts it over the token."""

from __future__ import annotations

from harness.polling import eventually
from harness.samples import sample_event
from intake_testkit import form, metadata, random_agency, tiny_pdf
from vanthu_contracts.events.routing import DirectoryRole


async def _register(intake, user: str, agency: str, *roles: str):
    async with intake.client(user, agency, *roles) as client:
        return await client.post("/v1/documents", **form(metadata(), ("scan.pdf", tiny_pdf())))


async def test_a_token_claiming_clerk_is_refused_when_the_directory_lists_a_specialist(
    intake, publisher
) -> None:
    agency = random_agency()
    for user, role in (("u-clerk", DirectoryRole.CLERK), ("u-spec", DirectoryRole.SPECIALIST)):
        await publisher.publish(
            sample_event(
                "vanthu.routing.user.changed.v1", agency_code=agency, user_id=user, roles=(role,)
            )
        )

    # Until the copy has the entries the token is all intake has, so the first tries may pass.
    async def refused_as_specialist():
        response = await _register(intake, "u-spec", agency, "clerk")
        refused = response.status_code == 403 and "does not list" in response.text
        return response if refused else None

    refused = await eventually(
        refused_as_specialist, timeout=60, what="intake's copy of the directory to refuse u-spec"
    )
    assert "does not list u-spec as administrator or clerk" in refused.json()["detail"]
    assert "specialist" in refused.json()["detail"]

    unknown = await _register(intake, "u-nobody", agency, "clerk")
    assert unknown.status_code == 403
    assert "not in the directory" in unknown.json()["detail"]

    # The two entries are keyed by user, so they may sit on different partitions and the clerk's
    # may reach the copy later than the specialist's. Now that the copy knows the agency, the
    # clerk is refused until its entry arrives and accepted after: the directory, not the token.
    async def accepted_as_clerk():
        response = await _register(intake, "u-clerk", agency, "clerk")
        if response.status_code == 403:
            assert "not in the directory" in response.json()["detail"], response.text
            return None
        return response

    listed = await eventually(
        accepted_as_clerk, timeout=60, what="intake's copy of the directory to list u-clerk"
    )
    assert listed.status_code == 201, listed.text


async def test_an_agency_without_a_directory_in_vanthu_goes_by_the_token(intake) -> None:
    response = await _register(intake, "u-any", random_agency(), "clerk")
    assert response.status_code == 201, response.text
