"""OCR text that intake left in the shared blob store, read for the search index."""

from __future__ import annotations

from minio.error import S3Error
from vanthu_runtime.minio_blob_store import MinioBlobStore


class MinioTextSource:
    def __init__(self, blobs: MinioBlobStore) -> None:
        self._blobs = blobs

    async def text(self, key: str) -> str | None:
        try:
            data = await self._blobs.get(key)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}:
                # Indexed without its OCR text; the timeline still shows the digitisation.
                return None
            raise
        text: str = bytes(data).decode("utf-8", errors="replace")
        return text
