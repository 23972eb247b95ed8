"""The administrator's directory through routing's API, on in-memory ports: the delegations and
routing rules are listed to those who may read them, and a refused CSV import names every bad
row and its column, and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from vanthu_routing.domain.delegation import Delegation

from .routing_api import AGENCY, MONDAY, Api, routing_api

CSV_HEADER = "kind,id,name,parent_unit_id,unit_id,position,email,roles"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


def grant(api: Api, delegation_id: str, leader: str, secretary: str) -> None:
    api.handlers.directory.grants[(AGENCY, delegation_id)] = Delegation(  # type: ignore[attr-defined]
        delegation_id, leader, secretary, MONDAY - timedelta(days=2)
    )


async def test_an_administrator_lists_every_delegation_of_the_agency_revoked_ones_too(api):
    grant(api, "del-2", "other-leader", "secretary")
    await api.http.post("/directory/delegations/del-2/revocation", headers=api.auth("admin"))

    response = await api.http.get("/directory/delegations", headers=api.auth("admin"))

    assert response.status_code == 200, response.text
    shown = {d["delegation_id"]: d for d in response.json()}
    assert set(shown) == {"del-1", "del-2"}
    assert shown["del-1"]["leader_user_id"] == "director"
    assert shown["del-1"]["secretary_user_id"] == "secretary"
    assert shown["del-1"]["revoked_at"] is None
    assert shown["del-2"]["revoked_at"] is not None


async def test_a_leader_lists_his_own_delegations_and_a_secretary_those_made_to_her(api):
    grant(api, "del-2", "other-leader", "someone-else")

    as_leader = await api.http.get("/directory/delegations", headers=api.auth("director"))
    as_secretary = await api.http.get("/directory/delegations", headers=api.auth("secretary"))

    assert [d["delegation_id"] for d in as_leader.json()] == ["del-1"]
    assert [d["delegation_id"] for d in as_secretary.json()] == ["del-1"]


async def test_a_specialist_may_not_list_the_delegations(api):
    response = await api.http.get("/directory/delegations", headers=api.auth("em"))

    assert response.status_code == 403


async def test_the_saved_routing_rules_are_read_back_as_they_were_saved(api):
    rules = {
        "default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"},
        "rules": [
            {
                "rule_id": "dat-dai",
                "priority": 5,
                "route": {"leader_user_id": "director", "lead_unit_id": "unit-plan"},
                "document_type_codes": ["CV", "QĐ"],
                "issuer_agency_codes": ["000.00.00.H49"],
                "subject_keywords": ["đất đai"],
            }
        ],
    }
    saved = await api.http.put("/directory/routing-rules", json=rules, headers=api.auth("admin"))
    assert saved.status_code == 200, saved.text

    response = await api.http.get("/directory/routing-rules", headers=api.auth("admin"))

    assert response.status_code == 200, response.text
    assert response.json() == rules


async def test_an_agency_without_routing_rules_reads_no_default_and_no_rules(api):
    api.handlers.directory.rules.clear()  # type: ignore[attr-defined]

    response = await api.http.get("/directory/routing-rules", headers=api.auth("director"))

    assert response.status_code == 200, response.text
    assert response.json() == {"default": None, "rules": []}


async def test_a_specialist_may_not_read_the_routing_rules(api):
    response = await api.http.get("/directory/routing-rules", headers=api.auth("em"))

    assert response.status_code == 403


async def test_a_csv_import_names_every_bad_row_and_its_column_and_writes_nothing(api):
    before = (await api.http.get("/directory/users", headers=api.auth("admin"))).json()
    csv_text = "\n".join(
        [
            CSV_HEADER,
            "unit,unit-new,Phòng Mới,,,,,",
            "user,good-person,Người Tốt,,unit-new,Chuyên viên,,specialist",
            "user,bad-role,Người Sai Vai Trò,,,,,wizard",
            "user,no-unit,Người Không Đơn Vị,,unit-nowhere,,,specialist",
            "user,bad id!,,,,,not-an-email,specialist",
            "robot,r2,R2-D2,,,,,",
        ]
    )

    response = await api.http.post(
        "/directory/import",
        content=csv_text,
        headers={**api.auth("admin"), "Content-Type": "text/csv"},
    )

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    named = sorted((e["row"], e["field"]) for e in detail["rows"])
    assert named == [
        (4, "roles"),
        (5, "unit_id"),
        (6, "email"),
        (6, "id"),
        (6, "name"),
        (7, "kind"),
    ]
    assert "4 dòng" in detail["message_vi"]
    assert all(e["message"] and e["message_vi"] for e in detail["rows"])
    after = (await api.http.get("/directory/users", headers=api.auth("admin"))).json()
    units = (await api.http.get("/directory/units", headers=api.auth("admin"))).json()
    assert after == before
    assert "unit-new" not in {u["unit_id"] for u in units}


async def test_a_csv_without_the_required_columns_names_the_header(api):
    response = await api.http.post(
        "/directory/import",
        content="kind,name\nunit,Phòng Mới",
        headers={**api.auth("admin"), "Content-Type": "text/csv"},
    )

    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]["rows"]
    assert (error["row"], error["field"]) == (1, "header")
    assert "id" in error["message_vi"]


async def test_a_good_csv_is_imported_whole(api):
    csv_text = "\n".join(
        [
            CSV_HEADER,
            "unit,unit-new,Phòng Mới,,,,,",
            "user,good-person,Người Tốt,,unit-new,Chuyên viên,tot@example.vn,specialist;unit_head",
        ]
    )

    response = await api.http.post(
        "/directory/import",
        content=csv_text,
        headers={**api.auth("admin"), "Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"units": 1, "users": 1}
    users = (await api.http.get("/directory/users", headers=api.auth("admin"))).json()
    [person] = [u for u in users if u["user_id"] == "good-person"]
    assert (person["unit_id"], person["roles"]) == ("unit-new", ["specialist", "unit_head"])
