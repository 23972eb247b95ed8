"""A newcomer's `make stop` then `make run`: what was stored before is still there after."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from aiokafka.admin import NewTopic
from harness.private_servers import PrivateServers
from harness.servers import kafka_settings_of
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings, S3Settings


async def _store_everything(env: dict[str, str]) -> str:
    admin = create_admin(kafka_settings_of(env))
    await admin.start()
    await admin.create_topics([NewTopic("survivors", num_partitions=1, replication_factor=1)])
    await admin.close()
    producer = create_producer(kafka_settings_of(env), acks="all")
    await producer.start()
    await producer.send_and_wait("survivors", b"a registered document", key=b"doc-1")
    await producer.stop()

    client = create_mongo_client(MongoSettings(uri=env["VANTHU_MONGO_URI"]))
    await client.vanthu.documents.insert_one({"_id": "doc-1", "arrival_number": 1})
    await client.close()

    store = MinioBlobStore(_minio(env), "survivors")
    await store.ensure_bucket()
    return (await store.put_content_addressed(b"%PDF-1.4 scan")).key


async def _read_everything(env: dict[str, str], key: str) -> tuple[bytes, dict | None, bytes]:
    consumer = create_consumer(kafka_settings_of(env))
    await consumer.start()
    tp = TopicPartition("survivors", 0)
    consumer.assign([tp])
    await consumer.seek_to_beginning(tp)
    message = await asyncio.wait_for(consumer.getone(), 30)
    await consumer.stop()

    client = create_mongo_client(MongoSettings(uri=env["VANTHU_MONGO_URI"]))
    doc = await client.vanthu.documents.find_one({"_id": "doc-1"})
    await client.close()

    scan = await MinioBlobStore(_minio(env), "survivors").get(key)
    return message.value, doc, scan


def _minio(env: dict[str, str]):
    return create_minio_client(
        S3Settings(
            endpoint=env["VANTHU_S3_ENDPOINT"],
            access_key=env["VANTHU_S3_ACCESS_KEY"],
            secret_key=env["VANTHU_S3_SECRET_KEY"],
        )
    )


async def test_events_documents_and_scans_survive_a_restart_of_the_servers(
    private_servers: PrivateServers,
) -> None:
    env = private_servers.service_env()
    key = await _store_everything(env)

    private_servers.infra("down")
    assert "stopped" in private_servers.infra("status")
    private_servers.infra("up")

    value, doc, scan = await _read_everything(env, key)
    assert value == b"a registered document"
    assert doc == {"_id": "doc-1", "arrival_number": 1}
    assert scan == b"%PDF-1.4 scan"
