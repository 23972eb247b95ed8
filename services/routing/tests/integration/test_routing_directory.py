"""The organisation directory: administered through the API, imported from CSV, and every
change published on the compacted directory.changed topic for the other services."""

from __future__ import annotations

from harness.polling import eventually
from vanthu_contracts.events.routing import DelegationChanged, UnitChanged, UserChanged


async def test_an_imported_directory_is_listed_and_every_entry_is_published_keyed_by_entry(
    http, published, org
):
    # `published` first: it reads from the end of the topics as it starts, and `org` imports.
    users = (await http.get("/directory/users", headers=org.auth("director"))).json()
    assert {u["user_id"] for u in users} >= {org.ids["director"], org.ids["specialist"]}

    await http.put(
        f"/directory/users/{org.ids['specialist']}",
        json={
            "full_name": "Hoàng Văn Em",
            "position": "Chuyên viên chính",
            "unit_id": org.ids["planning"],
            "roles": ["specialist"],
        },
        headers=org.auth("admin"),
    )

    async def changes() -> list | None:
        found = await published.matching(
            lambda d: (
                isinstance(d.event, UserChanged)
                and d.event.agency_code == org.agency
                and d.event.user_id == org.ids["specialist"]
            )
        )
        return found if len(found) >= 2 else None

    imported, change = await eventually(changes, what="the import and the change on the topic")
    assert imported.event.position == "Chuyên viên"
    assert change.event.position == "Chuyên viên chính"
    assert change.envelope.subject == f"user:{org.agency}:{org.ids['specialist']}"


async def test_a_csv_with_bad_rows_is_refused_naming_each_row_and_changes_nothing(http, org):
    before = (await http.get("/directory/users", headers=org.auth("admin"))).json()
    csv_text = "\n".join(
        [
            "kind,id,name,parent_unit_id,unit_id,position,email,roles",
            "user,new-person-1,Người Mới,,,Chuyên viên,,specialist",
            "user,new-person-2,Người Mới Hai,,,Chuyên viên,,wizard",
            "user,new-person-3,Người Mới Ba,,no-such-unit,Chuyên viên,,specialist",
        ]
    )

    response = await http.post(
        "/directory/import",
        content=csv_text,
        headers={**org.auth("admin"), "Content-Type": "text/csv"},
    )

    assert response.status_code == 422
    rows = response.json()["detail"]["rows"]
    assert [(e["row"], e["field"]) for e in rows] == [(3, "roles"), (4, "unit_id")]
    after = (await http.get("/directory/users", headers=org.auth("admin"))).json()
    assert after == before


async def test_a_user_in_an_unknown_unit_is_refused_naming_the_unit(http, org):
    response = await http.put(
        "/directory/users/someone-new",
        json={"full_name": "Ai Đó", "unit_id": "no-such-unit", "roles": ["specialist"]},
        headers=org.auth("admin"),
    )

    assert response.status_code == 422
    assert "unit_id" in response.text


async def test_only_administrators_change_the_directory(http, org):
    response = await http.put(
        "/directory/units/unit-x", json={"name": "Phòng X"}, headers=org.auth("director")
    )

    assert response.status_code == 403


async def test_revoking_a_delegation_is_published_and_stops_proxy_entry(http, org, published):
    granted = await http.post(
        "/directory/delegations",
        json={
            "leader_user_id": org.ids["director"],
            "secretary_user_id": org.ids["stranger"],
            "valid_from": "2020-01-01T00:00:00+07:00",
        },
        headers=org.auth("admin"),
    )
    delegation_id = granted.json()["delegation_id"]
    leader_inbox = f"/inbox?leader_user_id={org.ids['director']}"
    while_valid = await http.get(leader_inbox, headers=org.auth("stranger"))

    revoked = await http.post(
        f"/directory/delegations/{delegation_id}/revocation", headers=org.auth("admin")
    )
    after_revocation = await http.get(leader_inbox, headers=org.auth("stranger"))
    revoked_again = await http.post(
        f"/directory/delegations/{delegation_id}/revocation", headers=org.auth("admin")
    )

    assert while_valid.status_code == 200
    assert revoked.status_code == 200
    assert after_revocation.status_code == 403
    assert revoked_again.status_code == 409

    async def revocation() -> list | None:
        found = await published.matching(
            lambda d: (
                isinstance(d.event, DelegationChanged)
                and d.event.delegation_id == delegation_id
                and d.event.revoked_at is not None
            )
        )
        return found or None

    await eventually(revocation, what="the revocation on the topic")


async def test_a_unit_change_is_published(http, org, published):
    await http.put(
        f"/directory/units/{org.ids['finance']}",
        json={"name": "Phòng Kế hoạch - Tài chính"},
        headers=org.auth("admin"),
    )

    async def unit_changes() -> list | None:
        found = await published.matching(
            lambda d: (
                isinstance(d.event, UnitChanged)
                and d.event.unit_id == org.ids["finance"]
                and d.event.name == "Phòng Kế hoạch - Tài chính"
            )
        )
        return found or None

    await eventually(unit_changes, what="the unit's change on the topic")
