"""End to end, with every process of `make run` up: a clerk registers a paper document in intake;
it waits in the director's inbox in routing; the secretary records the director's paper
direction with the scanned slip; each unit's task is on Kafka; the unit head re-assigns, the
specialist completes; the archive's timeline says the director decided and the secretary
recorded it."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from harness.pdfs import one_page_pdf
from harness.polling import eventually
from harness.processes import ServiceProcess
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.platform import PlatformSettings
from vanthu_runtime.settings import AuthSettings, KafkaSettings

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Department:
    """A provincial department with a director, his secretary, two units and a specialist,
    set up through routing's directory API."""

    def __init__(self, secret: str) -> None:
        self.auth = AuthSettings(dev_mode=True, dev_secret=secret)
        # The agency `make run` serves (routing's VANTHU_ROUTING_SERVED_AGENCIES default); the
        # people are new in every run, so runs never see each other's inboxes.
        self.agency = "000.00.00.G22"
        tag = uuid.uuid4().hex[:6]
        self.ids = {
            role: f"{role}-{tag}"
            for role in (
                "admin",
                "clerk",
                "director",
                "secretary",
                "planning",
                "finance",
                "planning_head",
                "finance_head",
                "specialist",
            )
        }
        self.units = {
            "planning_head": self.ids["planning"],
            "finance_head": self.ids["finance"],
            "specialist": self.ids["planning"],
        }
        self.roles = {
            "admin": "administrator",
            "clerk": "clerk",
            "director": "leader",
            "secretary": "secretary",
            "planning_head": "unit_head",
            "finance_head": "unit_head",
            "specialist": "specialist",
        }

    def headers(self, who: str) -> dict[str, str]:
        token = issue_dev_token(
            self.auth,
            user_id=self.ids[who],
            agency_code=self.agency,
            roles=[self.roles[who]],
            full_name=who,
            unit_id=self.units.get(who),
        )
        return {"Authorization": f"Bearer {token}"}

    def directory_csv(self) -> str:
        i = self.ids
        return "\n".join(
            [
                "kind,id,name,parent_unit_id,unit_id,position,email,roles",
                # Named apart from the web app's demo units, which other tests of the session
                # use in the same agency and pick by name.
                f"unit,{i['planning']},Phòng Kế hoạch ({i['planning']}),,,,,",
                f"unit,{i['finance']},Phòng Tài chính ({i['finance']}),,,,,",
                f"user,{i['clerk']},Đặng Thị Lan,,,Văn thư,,clerk",
                f"user,{i['director']},Nguyễn Văn An,,,Giám đốc Sở,,leader",
                f"user,{i['secretary']},Trần Thị Bình,,,Thư ký Giám đốc,,secretary",
                f"user,{i['planning_head']},Lê Văn Cường,,{i['planning']},Trưởng phòng,,unit_head",
                f"user,{i['finance_head']},Phạm Thị Dung,,{i['finance']},Trưởng phòng,,unit_head",
                f"user,{i['specialist']},Hoàng Văn Em,,{i['planning']},Chuyên viên,,specialist",
            ]
        )


async def set_up_directory(routing: httpx.AsyncClient, dept: Department) -> None:
    admin = dept.headers("admin")
    imported = await routing.post(
        "/directory/import",
        content=dept.directory_csv(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    granted = await routing.post(
        "/directory/delegations",
        json={
            "leader_user_id": dept.ids["director"],
            "secretary_user_id": dept.ids["secretary"],
            "valid_from": "2020-01-01T00:00:00+07:00",
        },
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    rules = await routing.put(
        "/directory/routing-rules",
        json={
            "default": {
                "leader_user_id": dept.ids["director"],
                "lead_unit_id": dept.ids["planning"],
            }
        },
        headers=admin,
    )
    assert rules.status_code == 200, rules.text


class TaskTopic:
    """What routing publishes on task.assigned from now on."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = create_consumer(
            KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False
        )
        self.records: list[ConsumerRecord[bytes, bytes]] = []

    async def start(self) -> None:
        await self.consumer.start()
        metadata = await self.consumer._client.fetch_all_metadata()
        tps = [
            TopicPartition("task.assigned", p)
            for p in metadata.partitions_for_topic("task.assigned") or ()
        ]
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for tp in tps:
            await self.consumer.position(tp)

    async def keyed(self, key: str) -> list[ConsumerRecord[bytes, bytes]]:
        for messages in (await self.consumer.getmany(timeout_ms=200)).values():
            self.records += messages
        return [r for r in self.records if r.key == key.encode()]


def headers_of(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


async def test_a_paper_direction_recorded_by_the_secretary_flows_from_intake_to_the_archive(
    running_services: dict[str, ServiceProcess], platform_settings: PlatformSettings
) -> None:
    intake_api = running_services["intake-api"]
    routing_api = running_services["routing-api"]
    archive_api = running_services["archive-api"]
    dept = Department(routing_api.env["VANTHU_AUTH_DEV_SECRET"])
    tasks = TaskTopic(platform_settings.kafka.bootstrap_servers)
    await tasks.start()
    try:
        entry = await _walk_through(intake_api, routing_api, archive_api, dept, tasks)
    finally:
        await tasks.consumer.stop()
    actors = {a["role"]: a["user_id"] for a in entry["actors"]}
    assert entry["on_behalf"] is True
    assert actors["decided_by"] == dept.ids["director"]
    assert actors["recorded_by"] == dept.ids["secretary"]


async def _walk_through(
    intake_api: ServiceProcess,
    routing_api: ServiceProcess,
    archive_api: ServiceProcess,
    dept: Department,
    tasks: TaskTopic,
) -> dict[str, Any]:
    today = datetime.now(VIETNAM).date()
    async with (
        httpx.AsyncClient(base_url=routing_api.url, timeout=60) as routing,
        httpx.AsyncClient(base_url=intake_api.url, timeout=120) as intake,
        httpx.AsyncClient(base_url=archive_api.url, timeout=120) as archive,
    ):
        await set_up_directory(routing, dept)

        # The clerk registers the paper document in intake.
        metadata = {
            "channel": "paper",
            "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            "document_type": "QĐ",
            "code_number": str(secrets.randbelow(10**6) + 1),
            "code_notation": "QĐ-BNV",
            "issued_date": (today - timedelta(days=2)).isoformat(),
            "subject": "Về việc ban hành Quy chế công tác văn thư",
            "page_count": 1,
            "signer": {
                "competence": "KT. BỘ TRƯỞNG",
                "position": "Thứ trưởng",
                "full_name": "Trần Văn B",
            },
        }

        # Intake checks the clerk against its copy of routing's directory, which may still be
        # catching up with the import above: until the clerk's entry arrives it answers 403.
        async def register() -> httpx.Response | None:
            response = await intake.post(
                "/v1/documents",
                data={"metadata": json.dumps(metadata, ensure_ascii=False)},
                files=[("file", ("cong-van.pdf", one_page_pdf(), "application/pdf"))],
                headers=dept.headers("clerk"),
            )
            return None if response.status_code == 403 else response

        registered = await eventually(register, timeout=120, what="intake to accept the clerk")
        assert registered.status_code == 201, registered.text
        document_id = registered.json()["id"]

        # It waits in the director's inbox in routing.
        async def in_inbox() -> dict[str, Any] | None:
            inbox = await routing.get("/inbox", headers=dept.headers("director"))
            assert inbox.status_code == 200, inbox.text
            return next((c for c in inbox.json() if c["document_id"] == document_id), None)

        case = await eventually(in_inbox, timeout=120, what="the document in the director's inbox")
        case_id = case["case_id"]
        assert case["document"]["subject"] == metadata["subject"]

        # The director decided on paper; the secretary records it with the scanned slip.
        due = (today + timedelta(days=30)).isoformat()
        # The slip is dated this morning, or now before 08:00 in Vietnam: never later than the
        # steps after it, which the archive's timeline orders by when they were decided.
        slip_time = min(datetime.combine(today, time(8), VIETNAM), datetime.now(VIETNAM))
        payload = {
            "text": "Giao Phòng Kế hoạch chủ trì, Phòng Tài chính phối hợp.",
            "decided_by_user_id": dept.ids["director"],
            "decided_at": slip_time.isoformat(timespec="seconds"),
            "assignments": [
                {"unit_id": dept.ids["planning"], "role": "lead", "due_date": due},
                {"unit_id": dept.ids["finance"], "role": "coordinating", "due_date": due},
            ],
        }
        recorded = await routing.post(
            f"/cases/{case_id}/direction/on-behalf",
            data={"payload": json.dumps(payload, ensure_ascii=False)},
            files={"slip": ("phieu-giai-quyet.pdf", one_page_pdf(), "application/pdf")},
            headers=dept.headers("secretary"),
        )
        assert recorded.status_code == 200, recorded.text
        lead = next(t for t in recorded.json()["tasks"] if t["role"] == "lead")

        # Each unit's task is on Kafka, keyed by the document, with the CloudEvents headers.
        async def both_units() -> list[ConsumerRecord[bytes, bytes]] | None:
            found = [
                r
                for r in await tasks.keyed(document_id)
                if headers_of(r)["ce_type"] == "vanthu.routing.task.assigned.v1"
            ]
            return found if len(found) >= 2 else None

        assigned = await eventually(both_units, timeout=60, what="task.assigned for both units")
        units = {json.loads(r.value)["assignee"]["unit_id"] for r in assigned}
        assert units == {dept.ids["planning"], dept.ids["finance"]}
        for record in assigned:
            headers = headers_of(record)
            assert headers["ce_specversion"] == "1.0"
            assert headers["ce_source"] == "/vanthu/routing"
            assert headers["ce_subject"] == document_id
            assert headers["ce_agencycode"] == dept.agency
            assert headers["ce_id"]
            assert headers["ce_correlationid"]
            assert json.loads(record.value)["assigned_by"]["user_id"] == dept.ids["director"]

        # The planning head gives the work to the specialist, who completes it.
        reassigned = await routing.post(
            f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
            json={
                "assignments": [
                    {
                        "user_id": dept.ids["specialist"],
                        "role": "specialist",
                        "due_date": (today + timedelta(days=20)).isoformat(),
                    }
                ]
            },
            headers=dept.headers("planning_head"),
        )
        assert reassigned.status_code == 200, reassigned.text
        mine = (await routing.get("/tasks/mine", headers=dept.headers("specialist"))).json()
        [child] = [t for t in mine if t["case_id"] == case_id]
        completed = await routing.post(
            f"/cases/{case_id}/tasks/{child['task_id']}/completion",
            json={"text": "Đã dự thảo báo cáo gửi Bộ."},
            headers=dept.headers("specialist"),
        )
        assert completed.status_code == 200, completed.text
        statuses = {t["task_id"]: t["status"] for t in completed.json()["tasks"]}
        assert statuses[child["task_id"]] == "completed"
        direction = completed.json()["decisions"][0]
        assert direction["on_behalf"] is True
        assert direction["decided_by"]["user_id"] == dept.ids["director"]
        assert direction["recorded_by"]["user_id"] == dept.ids["secretary"]

        # The archive's timeline: decided by the director, recorded by the secretary.
        async def decided_entry() -> dict[str, Any] | None:
            response = await archive.get(
                f"/archive/documents/{document_id}/timeline", headers=dept.headers("clerk")
            )
            if response.status_code != 200:
                return None
            return next((e for e in response.json()["entries"] if e["kind"] == "decided"), None)

        return await eventually(decided_entry, timeout=120, what="the decision in the archive")
