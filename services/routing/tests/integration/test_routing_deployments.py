"""Two deployments of routing on one broker (two `make run`s on different databases, a test run
beside a dev setup) each see every document: neither takes the other's events."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

from harness.polling import eventually
from harness.samples import sample_event
from vanthu_contracts import DocumentReceived
from vanthu_contracts.events.values import Channel
from vanthu_routing.bootstrap import build_handlers
from vanthu_routing.config import RoutingSettings
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import DirectoryUser
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import create_mongo_client

from .conftest import RoutingDeployment

DOCUMENTS = 12


async def test_two_deployments_on_one_broker_each_open_a_case_for_every_document(
    routing, servers, platform_settings, agency, publisher, tmp_path
):
    databases = [f"routing_dep_{secrets.token_hex(4)}" for _ in range(2)]
    clients = [
        create_mongo_client(platform_settings.mongo.model_copy(update={"database": name}))
        for name in databases
    ]
    dbs = [client[name] for client, name in zip(clients, databases, strict=True)]
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    admin = Caller("admin", agency, "Quản trị", frozenset({"administrator"}))
    for db in dbs:
        handlers = await build_handlers(db, blobs, RoutingSettings(served_agencies=[agency]))
        await handlers.save_user(
            admin, DirectoryUser(agency, "director", "Giám đốc", roles=("leader",))
        )
        await handlers.save_routing_rules(
            admin, {"default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"}}
        )
    # As an operator would start them: nothing about consumer groups in the environment.
    base = {
        k: v
        for k, v in routing.env.items()
        if not k.startswith(("VANTHU_ROUTING_CONSUMER_GROUP", "VANTHU_MONGO_DATABASE"))
    }
    deployments = [
        RoutingDeployment(
            env={
                **base,
                "VANTHU_MONGO_DATABASE": name,
                "VANTHU_ROUTING_SERVED_AGENCIES": agency,
                "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
            },
            auth=routing.auth,
            logs=tmp_path / name,
        )
        for name in databases
    ]
    try:
        await asyncio.gather(*(asyncio.to_thread(d.start, "worker") for d in deployments))
        case_ids = []
        for _ in range(DOCUMENTS):
            event = sample_event(
                DocumentReceived.event_type,
                agency_code=agency,
                channel=Channel.PAPER,
                exchange=None,
            )
            await publisher.publish(event)
            case_ids.append(case_id_for(agency, event.document_id))  # type: ignore[attr-defined]

        for db in dbs:

            async def every_case(db=db) -> bool:
                return await db.cases.count_documents({"agency_code": agency}) == DOCUMENTS

            await eventually(every_case, timeout=60, what=f"every case in {db.name}")
            found = sorted([d["_id"] async for d in db.cases.find({"agency_code": agency})])
            assert found == sorted(case_ids)
    finally:
        for deployment in deployments:
            for process in deployment.processes:
                process.stop()
        for client, name in zip(clients, databases, strict=True):
            await client.drop_database(name)
            await client.close()
