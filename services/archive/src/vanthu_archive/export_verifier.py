"""`python -m vanthu_archive verify-export FILE [--public-key PEM]`: check an auditor's export
offline (no server, no database): every record's hash recomputed from its content, the links
between records, the trailer's count and digest, and with the archive's public key (the
checkpoint bucket's `keys/<key_id>.pem`) its signature. Says where it breaks; exit 1 then."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from vanthu_archive.domain.export import verify_export


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vanthu_archive verify-export",
        description="check an archive export (NDJSON) offline",
    )
    parser.add_argument("file", type=Path, help="the .ndjson file of GET /archive/audit/export")
    parser.add_argument(
        "--public-key", type=Path, default=None, help="the archive's Ed25519 public key (PEM)"
    )
    args = parser.parse_args(argv)
    key = None
    if args.public_key is not None:
        loaded = load_pem_public_key(args.public_key.read_bytes())
        if not isinstance(loaded, Ed25519PublicKey):
            parser.error(f"{args.public_key} is not an Ed25519 public key")
        key = loaded
    try:
        with args.file.open("rb") as lines:
            verdict = verify_export(lines, key)
    except OSError as exc:
        parser.error(f"cannot read {args.file}: {exc}")
    out = sys.stdout if verdict.intact else sys.stderr
    out.write(verdict.describe() + "\n")
    return 0 if verdict.intact else 1
