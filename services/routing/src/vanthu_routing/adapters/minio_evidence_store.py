"""Scanned paper slips and draft replies in MinIO, content-addressed, through the runtime's blob store."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from vanthu_runtime.minio_blob_store import MinioBlobStore

from vanthu_routing.domain.files import FileReference


class MinioEvidenceStore:
    def __init__(self, blobs: MinioBlobStore) -> None:
        self._blobs = blobs

    async def keep(
        self, data: bytes, name: str, media_type: str, prefix: str = "routing/evidence"
    ) -> FileReference:
        stored = await self._blobs.put_content_addressed(data, prefix=prefix, media_type=media_type)
        return FileReference(
            file_id=f"f-{hashlib.sha256(data).hexdigest()[:16]}",
            name=name,
            media_type=media_type,
            size=stored.size,
            sha256=stored.sha256,
            object_key=stored.key,
        )

    async def link(self, file: FileReference, expires: timedelta) -> str:
        """A presigned GET of the object, valid for `expires`."""
        url: str = await self._blobs.link(file.object_key, expires)
        return url
