"""Stored originals in the shared MinIO bucket, streamed for bags and re-hashed for fixity.

Synchronous on purpose: bag building and fixity run in a worker thread (`asyncio.to_thread`), and
stream objects chunk by chunk instead of loading them whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from minio import Minio
from minio.error import S3Error

from vanthu_archive.domain.bagit_package import ByteSource, OriginalDamaged
from vanthu_archive.domain.fixity import Digest, sha256_of

_CHUNK = 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}


class MinioOriginals:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def opener(self, key: str) -> Callable[[], AbstractContextManager[ByteSource]]:
        @contextmanager
        def open_object() -> Iterator[ByteSource]:
            try:
                response = self._client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    # Gone is damaged too: a bag never leaves out a file its events name.
                    raise OriginalDamaged(f"stored file {key} is missing") from exc
                raise
            try:
                yield response
            finally:
                response.close()
                response.release_conn()

        return open_object

    def digest(self, key: str) -> Digest | None:
        """SHA-256 and size of what is stored now; None when the object is gone."""
        try:
            response = self._client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise
        try:
            return sha256_of(response.stream(_CHUNK))
        finally:
            response.close()
            response.release_conn()
