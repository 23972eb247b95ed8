"""Files the routing record points at (kept in the blob store by whoever uploaded them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileReference:
    """A stored file, addressed by its content: a scanned slip, a draft, a result."""

    file_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    object_key: str
