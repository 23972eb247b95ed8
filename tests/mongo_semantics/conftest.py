"""What the services rely on from the Mongo-wire server, checked on whichever one the tests use.

MongoDB makes every single-document write atomic, enforces unique indexes, answers a find by an
indexed field from the index and frees a closed cursor at once; FerretDB v1.24.2 as released does
not do all of that (ADR 0005). Each test module works in a scratch database with a random name,
dropped afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from harness.servers import Servers
from mongo_semantics.kit import ClientFactory, Document
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


def _client(servers: Servers) -> AsyncMongoClient[Document]:
    # FerretDB v1 has no replica sets, hence no retryable writes: a retried write would hide a
    # lost one.
    return AsyncMongoClient(
        servers.mongo_uri, serverSelectionTimeoutMS=10_000, retryWrites=False, tz_aware=True
    )


@pytest.fixture(scope="module")
async def client(servers: Servers) -> AsyncIterator[AsyncMongoClient[Document]]:
    client = _client(servers)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture(scope="module")
async def db(client: AsyncMongoClient[Document]) -> AsyncIterator[AsyncDatabase[Document]]:
    name = f"semantics_{secrets.token_hex(4)}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)


@pytest.fixture
async def clients(servers: Servers) -> AsyncIterator[ClientFactory]:
    """Separate clients, each with its own connections, as separate service processes would be."""
    made: list[AsyncMongoClient[Document]] = []

    async def make() -> AsyncMongoClient[Document]:
        made.append(_client(servers))
        await made[-1].admin.command("ping")
        return made[-1]

    try:
        yield make
    finally:
        for c in made:
            await c.close()


@pytest.fixture(scope="module")
async def is_ferretdb(client: AsyncMongoClient[Document]) -> bool:
    return "ferretdbVersion" in await client.admin.command("buildInfo")
