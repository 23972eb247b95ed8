"""MinIO blob store: content-addressed puts, gets, short-lived links; sync client run in threads."""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from minio import Minio
from minio.error import S3Error

from vanthu_runtime.settings import S3Settings

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    sha256: str
    size: int


class IntegrityError(Exception):
    """Stored bytes no longer match the sha256 they were stored under."""


def create_minio_client(settings: S3Settings) -> Minio:
    return Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.secure,
        region=settings.region,
    )


def _sha256_of(stream: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class MinioBlobStore:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    async def ensure_bucket(self) -> None:
        await asyncio.to_thread(self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        if self._client.bucket_exists(self.bucket):
            return
        try:
            self._client.make_bucket(self.bucket)
        except S3Error as exc:
            # Another process made it between our check and our call.
            if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise

    async def ping(self) -> None:
        await asyncio.to_thread(self._client.bucket_exists, self.bucket)

    async def put_content_addressed(
        self,
        data: bytes | BinaryIO,
        *,
        prefix: str = "sha256",
        media_type: str = "application/octet-stream",
    ) -> StoredBlob:
        """Store bytes under `<prefix>/<sha256>`; storing the same bytes twice keeps one object."""
        return await asyncio.to_thread(self._put_content_addressed, data, prefix, media_type)

    def _put_content_addressed(
        self, data: bytes | BinaryIO, prefix: str, media_type: str
    ) -> StoredBlob:
        stream: BinaryIO = io.BytesIO(data) if isinstance(data, bytes) else data
        start = stream.tell()
        sha256, size = _sha256_of(stream)
        stream.seek(start)
        key = f"{prefix}/{sha256}"
        if not self._exists(key):
            self._client.put_object(
                self.bucket, key, stream, size, content_type=media_type, metadata={"sha256": sha256}
            )
        return StoredBlob(key=key, sha256=sha256, size=size)

    def _exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject"}:
                return False
            raise
        return True

    async def put(
        self, key: str, data: bytes, media_type: str = "application/octet-stream"
    ) -> StoredBlob:
        def _put() -> StoredBlob:
            self._client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=media_type
            )
            return StoredBlob(key=key, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

        return await asyncio.to_thread(_put)

    async def get(self, key: str) -> bytes:
        def _get() -> bytes:
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(_get)

    async def get_verified(self, key: str, sha256: str) -> bytes:
        data = await self.get(key)
        found = hashlib.sha256(data).hexdigest()
        if found != sha256:
            raise IntegrityError(f"{key}: stored bytes hash to {found}, expected {sha256}")
        return data

    async def link(
        self,
        key: str,
        expires: timedelta = timedelta(minutes=5),
        *,
        content_disposition: str | None = None,
    ) -> str:
        """A presigned GET; `content_disposition` (already escaped, see `file_checks`) is the
        header MinIO answers it with, so a browser saves the file under its shown name."""
        headers: dict[str, str | list[str] | tuple[str]] | None = (
            {"response-content-disposition": content_disposition} if content_disposition else None
        )
        return await asyncio.to_thread(
            self._client.presigned_get_object, self.bucket, key, expires, headers
        )
