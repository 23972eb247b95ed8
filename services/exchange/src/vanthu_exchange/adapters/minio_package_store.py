"""Packages and attachments in MinIO, streamed from and to files so no package sits in memory.

Keys are content-addressed (``<prefix>/<sha256>``): storing the same bytes twice keeps one object,
which is what makes a retried receive or a resent package harmless. The sync client runs in
threads.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from minio import Minio
from minio.error import S3Error

from vanthu_exchange.ports import ObjectMissing

__all__ = ["MinioPackageStore", "ObjectMissing", "sha256_of_file"]

_CHUNK = 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


def sha256_of_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class MinioPackageStore:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    async def put_file(
        self, path: Path, *, prefix: str, media_type: str = "application/octet-stream"
    ) -> tuple[str, str, int]:
        """Store the file under ``<prefix>/<sha256>``; returns (key, sha256, size)."""
        return await asyncio.to_thread(self._put_file, path, prefix, media_type)

    def _put_file(self, path: Path, prefix: str, media_type: str) -> tuple[str, str, int]:
        sha256, size = sha256_of_file(path)
        key = f"{prefix}/{sha256}"
        if not self._exists(key):
            self._client.fput_object(
                self.bucket, key, str(path), content_type=media_type, metadata={"sha256": sha256}
            )
        return key, sha256, size

    def _exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        return True

    async def download(self, key: str, path: Path) -> None:
        """Raises ``ObjectMissing`` when the object is not stored."""
        try:
            await asyncio.to_thread(self._client.fget_object, self.bucket, key, str(path))
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectMissing(key) from exc
            raise

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(self._client.get_object, self.bucket, key)
        try:
            while chunk := await asyncio.to_thread(response.read, _CHUNK):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def size_of(self, key: str) -> int:
        stat = await asyncio.to_thread(self._client.stat_object, self.bucket, key)
        return int(stat.size or 0)
