"""Signed checkpoints in a MinIO bucket created with object lock: written once, kept for years.

Each checkpoint object is written with a retention period (COMPLIANCE by default: nobody, not even
the root account, can delete that version before it ends) and with `If-None-Match: *`, so a second
write under the same name is refused instead of stacking a newer version on top. The public keys
that verify the signatures are kept in the same bucket the same way.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta

import structlog
from minio import Minio
from minio.error import S3Error

from vanthu_archive.domain.errors import ArchiveDomainError

log = structlog.get_logger(__name__)

CHECKPOINT_PREFIX = "checkpoints/"
KEY_PREFIX = "keys/"


class CheckpointAlreadyWritten(ArchiveDomainError):
    """A checkpoint of that name exists; checkpoints are never overwritten."""


class MinioCheckpointStore:
    def __init__(
        self, client: Minio, bucket: str, *, retention_days: int, lock_mode: str = "COMPLIANCE"
    ) -> None:
        self._client = client
        self.bucket = bucket
        self._retention = timedelta(days=retention_days)
        self._lock_mode = lock_mode
        self.object_lock = False

    async def ensure_bucket(self) -> None:
        await asyncio.to_thread(self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket, object_lock=True)
            except S3Error as exc:
                if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise
        try:
            self.object_lock = self._client.get_object_lock_config(self.bucket) is not None
        except S3Error:
            self.object_lock = False
        if not self.object_lock:
            log.warning(
                "checkpoint bucket has no object lock; checkpoints are not write-once",
                bucket=self.bucket,
            )

    async def put_checkpoint(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self._put_once, CHECKPOINT_PREFIX + name, data)

    async def put_public_key(self, key_id: str, pem: bytes) -> None:
        try:
            await asyncio.to_thread(self._put_once, f"{KEY_PREFIX}{key_id}.pem", pem)
        except CheckpointAlreadyWritten:
            return

    def _put_once(self, key: str, data: bytes) -> None:
        headers: dict[str, str | list[str] | tuple[str]] = {
            "Content-Type": "application/json",
            "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),  # noqa: S324 - S3 integrity header, not security
            "If-None-Match": "*",
        }
        if self.object_lock:
            until = datetime.now(UTC) + self._retention
            headers["x-amz-object-lock-mode"] = self._lock_mode
            headers["x-amz-object-lock-retain-until-date"] = until.strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            )
        try:
            # minio-py 7.2's put_object offers no conditional headers; its lower-level call does.
            self._client._put_object(self.bucket, key, data, headers, None)
        except S3Error as exc:
            if exc.code == "PreconditionFailed":
                raise CheckpointAlreadyWritten(f"{key} already exists in {self.bucket}") from exc
            raise

    async def checkpoint_names(self) -> list[str]:
        def _list() -> list[str]:
            objects = self._client.list_objects(self.bucket, prefix=CHECKPOINT_PREFIX)
            return sorted(
                obj.object_name[len(CHECKPOINT_PREFIX) :]
                for obj in objects
                if obj.object_name is not None
            )

        return await asyncio.to_thread(_list)

    async def get(self, name: str) -> bytes:
        return await asyncio.to_thread(self._get, CHECKPOINT_PREFIX + name)

    async def public_key(self, key_id: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self._get, f"{KEY_PREFIX}{key_id}.pem")
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject"}:
                return None
            raise

    def _get(self, key: str) -> bytes:
        response = self._client.get_object(self.bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()
