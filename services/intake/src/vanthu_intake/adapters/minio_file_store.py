"""Originals and derivatives in MinIO, stored under their SHA-256 so they can never be altered."""

from __future__ import annotations

from datetime import timedelta

from minio.error import S3Error
from vanthu_runtime.file_checks import content_disposition
from vanthu_runtime.minio_blob_store import MinioBlobStore

from vanthu_intake.domain.duplicates import content_key
from vanthu_intake.ports import FileMissing, StoredFile


class MinioFileStore:
    def __init__(self, blobs: MinioBlobStore) -> None:
        self._blobs = blobs

    async def put(self, data: bytes, media_type: str) -> StoredFile:
        # Under its sha256, so the same bytes stored again rewrite the same object; written
        # without asking first whether it is there (one request, not two: duplicates were
        # refused before the upload got here, and a second put of the same bytes is harmless).
        stored = await self._blobs.put(f"sha256/{content_key(data)}", data, media_type)
        return StoredFile(stored.key, stored.sha256, stored.size)

    async def put_named(self, key: str, data: bytes, media_type: str) -> StoredFile:
        stored = await self._blobs.put(key, data, media_type)
        return StoredFile(stored.key, stored.sha256, stored.size)

    async def get(self, object_key: str, sha256: str) -> bytes:
        try:
            return await self._blobs.get_verified(object_key, sha256)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchBucket", "NoSuchObject"}:
                raise FileMissing(object_key) from exc
            raise

    async def link(self, object_key: str, ttl: timedelta, download_name: str = "") -> str:
        disposition = content_disposition(download_name) if download_name else None
        return await self._blobs.link(object_key, ttl, content_disposition=disposition)
