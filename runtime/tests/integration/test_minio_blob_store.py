"""Scans and packages in MinIO: content-addressed, verified on the way back, bucket made at start."""

from __future__ import annotations

import hashlib
import os
import secrets

import pytest
from vanthu_runtime.minio_blob_store import IntegrityError, MinioBlobStore, create_minio_client
from vanthu_runtime.platform import Platform


@pytest.fixture
async def store(platform_settings) -> MinioBlobStore:
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), f"t-{secrets.token_hex(4)}")
    await blobs.ensure_bucket()
    return blobs


async def test_a_file_comes_back_bit_exact_and_its_sha256_is_checked(store: MinioBlobStore) -> None:
    scan = os.urandom(300_000)
    stored = await store.put_content_addressed(scan, media_type="application/pdf")

    assert stored.sha256 == hashlib.sha256(scan).hexdigest()
    assert stored.key == f"sha256/{stored.sha256}"
    assert await store.get_verified(stored.key, stored.sha256) == scan


async def test_the_same_bytes_stored_twice_are_one_object(store: MinioBlobStore) -> None:
    scan = b"%PDF-1.4 the same scan"
    assert await store.put_content_addressed(scan) == await store.put_content_addressed(scan)


async def test_bytes_that_no_longer_match_their_hash_are_refused(store: MinioBlobStore) -> None:
    stored = await store.put_content_addressed(b"original")
    await store.put(stored.key, b"altered!")
    with pytest.raises(IntegrityError, match=stored.sha256):
        await store.get_verified(stored.key, stored.sha256)


async def test_a_missing_bucket_is_created_when_a_service_starts(platform_settings) -> None:
    bucket = f"t-{secrets.token_hex(4)}"
    settings = platform_settings
    settings = type(settings)(
        kafka=settings.kafka,
        mongo=settings.mongo,
        s3=settings.s3.model_copy(update={"bucket": bucket}),
    )
    client = create_minio_client(settings.s3)
    assert not client.bucket_exists(bucket)

    platform = Platform("tests", settings)
    await platform.open()
    try:
        assert client.bucket_exists(bucket)
    finally:
        await platform.close()
