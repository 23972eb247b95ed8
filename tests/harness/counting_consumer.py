"""A consumer process for crash tests: counts each event once, however often it is delivered.

python -m harness.counting_consumer TOPIC GROUP MONGO_URI DATABASE BOOTSTRAP
Every delivery is logged (a plain insert, so repeats show); the effect is a counter per event
increased through `apply_once`, the guard under test.
"""

from __future__ import annotations

import asyncio
import sys

from vanthu_contracts import DecodedEvent
from vanthu_runtime.idempotency import apply_once
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import KafkaSettings, MongoSettings


async def main(topic: str, group: str, mongo_uri: str, database: str, bootstrap: str) -> None:
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    client = create_mongo_client(MongoSettings(uri=mongo_uri))
    db = client[database]
    publisher = KafkaEventPublisher(kafka, source="/vanthu/tests")
    await publisher.start()

    async def handle(event: DecodedEvent) -> None:
        await db.deliveries.insert_one({"event_id": event.envelope.id})
        # Slow enough that a kill lands inside a batch, between commits.
        await asyncio.sleep(0.01)
        await apply_once(
            db.effects, event.envelope.subject, event.envelope.id, {"$inc": {"count": 1}}
        )

    loop = ConsumeLoop(
        settings=kafka,
        group_id=group,
        topics=[topic],
        handler=handle,
        publisher=publisher,
        max_batch=100,
    )
    await loop.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
