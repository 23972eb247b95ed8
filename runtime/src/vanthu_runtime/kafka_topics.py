"""Create the topics of the contracts' topic table (and their dead-letter twins) at start-up."""

from __future__ import annotations

import asyncio

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError
from vanthu_contracts import TOPICS, all_topic_names

from vanthu_runtime.kafka_clients import create_admin
from vanthu_runtime.settings import KafkaSettings

log = structlog.get_logger(__name__)


def planned_topics(settings: KafkaSettings) -> list[NewTopic]:
    topics = []
    for name in all_topic_names(include_dlq=True):
        spec = TOPICS.get(name)
        configs = {"cleanup.policy": "compact"} if spec is not None and spec.compacted else {}
        topics.append(
            NewTopic(
                name=name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=configs,
            )
        )
    return topics


async def _connected_admin(settings: KafkaSettings, timeout_s: float) -> AIOKafkaAdminClient:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = create_admin(settings)
        try:
            await admin.start()
        except KafkaConnectionError:
            await admin.close()
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        else:
            return admin


async def ensure_topics(settings: KafkaSettings, timeout_s: float = 60) -> list[str]:
    """Create every missing topic; return the names created. Existing topics are left as they are."""
    admin = await _connected_admin(settings, timeout_s)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in planned_topics(settings) if t.name not in existing]
        created: list[str] = []
        for topic in missing:
            try:
                await admin.create_topics([topic])
            except TopicAlreadyExistsError:
                continue
            created.append(topic.name)
        if created:
            log.info("topics created", topics=created)
        return created
    finally:
        await admin.close()
