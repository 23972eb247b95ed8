"""A 100 MB attachment goes through building, reading and verifying without being held in memory."""

from __future__ import annotations

import hashlib
import io
import random
import tracemalloc

from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    read_package,
    verify_package_signature,
    write_document_package,
)

HUNDRED_MB = 100 * 1024 * 1024
PEAK_LIMIT = 40 * 1024 * 1024


class GeneratedContent(io.RawIOBase):
    """Deterministic noise made one 1 MiB block at a time; seekable, never whole in memory."""

    BLOCK = 1024 * 1024

    def __init__(self, size: int, seed: int) -> None:
        self._size = size
        self._position = 0
        self._pattern = random.Random(seed).randbytes(self.BLOCK)
        self._cached: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = base + offset
        return self._position

    def _block(self, index: int) -> bytes:
        if self._cached[0] != index:
            # Each block differs, so a swapped or repeated block changes the digest.
            self._cached = (index, index.to_bytes(8, "big") + self._pattern[8:])
        return self._cached[1]

    def readinto(self, buffer) -> int:
        if self._position >= self._size:
            return 0
        index, offset = divmod(self._position, self.BLOCK)
        wanted = min(len(buffer), self._size - self._position, self.BLOCK - offset)
        buffer[:wanted] = self._block(index)[offset : offset + wanted]
        self._position += wanted
        return wanted


class DigestingSink(io.RawIOBase):
    """Keeps only the size and SHA-256 of what it receives, as an object store upload would."""

    def __init__(self) -> None:
        self.size = 0
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        self.sha256.update(data)
        return len(data)


def sha256_of(stream: io.RawIOBase) -> str:
    digest = hashlib.sha256()
    while block := stream.read(1024 * 1024):
        digest.update(block)
    return digest.hexdigest()


def test_a_100_mb_attachment_is_signed_written_read_and_verified_in_bounded_memory(
    tmp_path, make_document, agency_keys
):
    package = make_document()
    signer = agency_keys.signer(package.message_header.sender.agency_code)
    expected_sha256 = sha256_of(GeneratedContent(HUNDRED_MB, seed=7))
    package_file = tmp_path / "large.edxml"
    sinks: dict[str, DigestingSink] = {}

    def open_sink(start) -> DigestingSink:
        sinks[start.content_id] = DigestingSink()
        return sinks[start.content_id]

    tracemalloc.start()
    try:
        with package_file.open("wb") as sink:
            written = write_document_package(
                sink,
                package,
                [
                    AttachmentSource(
                        content_id="cid:large",
                        name="ho-so-quet.zip",
                        content_type="application/zip",
                        stream=GeneratedContent(HUNDRED_MB, seed=7),
                    )
                ],
                signer=signer,
            )
        with package_file.open("rb") as source:
            read = read_package(source, open_sink)
        verdict = verify_package_signature(read, agency_keys.trusted_certificates)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert package_file.stat().st_size > HUNDRED_MB * 4 // 3
    assert written[0].sha256 == expected_sha256
    assert read.attachments[0].sha256 == expected_sha256
    assert sinks["cid:large"].size == HUNDRED_MB
    assert sinks["cid:large"].sha256.hexdigest() == expected_sha256
    assert verdict.is_valid
    assert peak < PEAK_LIMIT, f"peak traced memory {peak / 2**20:.1f} MiB"
