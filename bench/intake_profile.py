"""Where one registration's time goes: every port call of `register_document`, timed.

    uv run python bench/intake_profile.py [--count 50]

Needs the local servers (`deploy/local/infra.sh up`). Registers `--count` documents (100 KB PDFs)
one after the other through the real adapters on a fresh database that already holds
`--preload` documents (FerretDB v1 pays for a full scan in proportion to the collection), and
prints, per port call, how many times it ran and its median and total time. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake_registration import scan_pdf, server_env
from vanthu_intake import handlers
from vanthu_intake.bootstrap import build_registry, ensure_indexes
from vanthu_intake.config import IntakeSettings
from vanthu_intake.domain.metadata import IncomingDocumentMetadata
from vanthu_intake.handlers import Registry, UploadedFile
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.logging import configure_logging
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings, S3Settings

TIMES: defaultdict[str, list[float]] = defaultdict(list)


class Timed:
    """Wraps a port so that each awaited call is timed under `<port>.<method>`."""

    def __init__(self, name: str, inner: Any) -> None:
        self._name = name
        self._inner = inner

    def __getattr__(self, attribute: str) -> Any:
        target = getattr(self._inner, attribute)
        if not callable(target):
            return target
        return self._timed(f"{self._name}.{attribute}", target)

    @staticmethod
    def _timed(label: str, target: Callable[..., Any]) -> Callable[..., Any]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await target(*args, **kwargs)
            finally:
                TIMES[label].append(time.perf_counter() - start)

        return call


def metadata(number: int) -> IncomingDocumentMetadata:
    return IncomingDocumentMetadata.model_validate(
        {
            "channel": "paper",
            "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            "document_type": "QĐ",
            "code_number": str(number),
            "code_notation": "QĐ-BNV",
            "issued_date": "2026-03-02",
            "subject": "Về việc ban hành Quy chế công tác văn thư",
            "page_count": 1,
            "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
        }
    )


async def main(count: int, preload: int) -> None:
    env = server_env()
    os.environ.update(env)
    configure_logging("intake-profile", level="WARNING", json=False)
    settings = IntakeSettings()
    mongo = MongoSettings(database=f"bench_intake_profile_{secrets.token_hex(3)}")
    client = create_mongo_client(mongo)
    s3 = S3Settings()
    blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
    await blobs.ensure_bucket()
    db = client[mongo.database]
    await ensure_indexes(db)
    real = build_registry(db, blobs, settings)
    clerk = Principal(
        user_id="bench", agency_code="000.00.00.H41", roles=frozenset({Role.CLERK}), full_name="B"
    )
    try:
        for n in range(preload):
            await handlers.register_document(
                real,
                principal=clerk,
                metadata=metadata(100_000 + n),
                uploads=[UploadedFile("p.pdf", scan_pdf())],
            )
        registry = Registry(
            documents=Timed("documents", real.documents),
            numbers=Timed("numbers", real.numbers),
            files=Timed("files", real.files),
            claims=Timed("claims", real.claims),
        )
        whole: list[float] = []
        for n in range(count):
            upload = UploadedFile("scan.pdf", scan_pdf())
            start = time.perf_counter()
            await handlers.register_document(
                registry, principal=clerk, metadata=metadata(n + 1), uploads=[upload]
            )
            whole.append(time.perf_counter() - start)
    finally:
        await client.drop_database(mongo.database)
        await client.close()
    out = sys.stdout
    out.write(f"{count} registrations on a collection of {preload}+ documents\n")
    out.write(f"{'call':34} {'n':>5} {'median ms':>10} {'total ms':>10}\n")
    for label, spent in sorted(TIMES.items(), key=lambda item: -sum(item[1])):
        out.write(
            f"{label:34} {len(spent):5d} {statistics.median(spent) * 1000:10.1f} "
            f"{sum(spent) * 1000:10.1f}\n"
        )
    out.write(
        f"{'register_document (whole)':34} {len(whole):5d} "
        f"{statistics.median(whole) * 1000:10.1f} {sum(whole) * 1000:10.1f}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--preload", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.preload))
