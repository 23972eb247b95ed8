"""An auditor's export of a period's archived records of an agency, as NDJSON that can be checked
offline, without the archive, by `python -m vanthu_archive verify-export FILE`.

One JSON object a line:

- a header: `{"format": "vanthu-archive-export/1", "agency_code", "from", "to", "exported_at"}`;
- one line per record, in (topic, partition, offset) order: its Kafka position, its timestamp and
  arrival time in epoch milliseconds (what the chain hashed), key, value and header values in
  base64, and its chain links in hex: `previous_hash` (the hash it names before it), `hash` (its
  own) and `next_names` (what the record stored after it names; null for a partition's head);
- a trailer: `{"end": true, "records": n, "digest", "key_id", "signature"}`: the SHA-256 of the
  header line's bytes followed by every record's hash, signed with the archive's Ed25519 key (the
  public key is the one checkpoints are verified with, `keys/<key_id>.pem` of the checkpoint
  bucket).

The verifier recomputes each record's hash from its content and `previous_hash` (an edited line no
longer gives its hash), checks that the record after it names it (`next_names`), that records of
one partition with consecutive offsets link, and the digest and record count of the trailer (a
line removed, added or reordered, or a hash rewritten with its content, changes the digest); with
the public key, the signature. Records of other agencies between ours are not exported, only the
hashes beside ours.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from vanthu_archive.domain import canonical_encoding as enc
from vanthu_archive.domain.checkpoint import key_id as key_id_of
from vanthu_archive.domain.hashchain import ChainedRecord, StoredRecord, chain_hash

EXPORT_FORMAT = "vanthu-archive-export/1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def header_line(
    agency_code: str, since: datetime | None, until: datetime | None, exported_at: datetime
) -> bytes:
    return _line(
        {
            "format": EXPORT_FORMAT,
            "agency_code": agency_code,
            "from": None if since is None else _iso(since),
            "to": None if until is None else _iso(until),
            "exported_at": _iso(exported_at),
        }
    )


def record_line(chained: ChainedRecord, next_names: bytes | None) -> bytes:
    record = chained.record
    return _line(
        {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp_ms": enc.epoch_milliseconds(record.timestamp),
            "arrived_at_ms": enc.epoch_milliseconds(record.arrived_at),
            "key": _b64(record.key),
            "value": _b64(record.value),
            "headers": [{"name": name, "value": _b64(value)} for name, value in record.headers],
            "previous_hash": chained.previous_hash.hex(),
            "hash": chained.hash.hex(),
            "next_names": None if next_names is None else next_names.hex(),
        }
    )


def withheld_line(chained: ChainedRecord, next_names: bytes | None) -> bytes:
    """A record about a document the exporting caller may not see (ADR 0006, 0047): its place
    and links only, so the chain still verifies around it and nothing of it is told."""
    record = chained.record
    return _line(
        {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "withheld": True,
            "previous_hash": chained.previous_hash.hex(),
            "hash": chained.hash.hex(),
            "next_names": None if next_names is None else next_names.hex(),
        }
    )


class ExportDigest:
    """The running digest a trailer signs: the header line, then each record's hash in order."""

    def __init__(self, header: bytes) -> None:
        self._sha = hashlib.sha256(header.rstrip(b"\n"))
        self.records = 0

    def add(self, record_hash: bytes) -> None:
        self._sha.update(record_hash)
        self.records += 1

    def digest(self) -> bytes:
        return self._sha.digest()


def trailer_line(digest: ExportDigest, key_id: str, signature: bytes) -> bytes:
    return _line(
        {
            "end": True,
            "records": digest.records,
            "digest": digest.digest().hex(),
            "key_id": key_id,
            "signature": signature.hex(),
        }
    )


# --- offline verification ------------------------------------------------------------------------


@dataclass
class ExportVerdict:
    records: int = 0
    problems: list[str] = field(default_factory=list)
    agency_code: str | None = None
    signature: str = "not checked"
    """checked, not checked (no public key given), or why it failed"""

    @property
    def intact(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        if self.intact:
            return (
                f"export of {self.agency_code}: intact, {self.records} records, "
                f"signature {self.signature}"
            )
        return "\n".join(self.problems)


def verify_export(
    lines: Iterable[bytes], public_key: Ed25519PublicKey | None = None
) -> ExportVerdict:
    """Check an export line by line; each problem names its line (1-based) and record."""
    verdict = ExportVerdict()
    digest: ExportDigest | None = None
    previous: dict[tuple[str, int], tuple[int, bytes]] = {}
    trailer: dict[str, Any] | None = None
    for number, raw in _numbered(lines):
        where = f"line {number}"
        try:
            item = json.loads(raw)
        except ValueError:
            verdict.problems.append(f"{where}: not JSON")
            continue
        if not isinstance(item, dict):
            verdict.problems.append(f"{where}: not a JSON object")
            continue
        if trailer is not None:
            verdict.problems.append(f"{where}: a line after the trailer")
            continue
        if digest is None:
            if item.get("format") != EXPORT_FORMAT:
                verdict.problems.append(f"{where}: not a {EXPORT_FORMAT} header")
                return verdict
            verdict.agency_code = str(item.get("agency_code"))
            digest = ExportDigest(raw)
            continue
        if item.get("end") is True:
            trailer = item
            continue
        found = _check_record(item, where, previous)
        if isinstance(found, str):
            verdict.problems.append(found)
            continue
        digest.add(found)
        verdict.records += 1
    if digest is None:
        verdict.problems.append("the file is empty: no header")
        return verdict
    if trailer is None:
        verdict.problems.append("no trailer: the export is cut short")
        return verdict
    _check_trailer(trailer, digest, public_key, verdict)
    return verdict


def _check_record(
    item: dict[str, Any], where: str, previous: dict[tuple[str, int], tuple[int, bytes]]
) -> bytes | str:
    """The record's hash if its line holds, else the problem."""
    if item.get("withheld") is True:
        return _check_withheld(item, where, previous)
    try:
        record = StoredRecord(
            topic=str(item["topic"]),
            partition=int(item["partition"]),
            offset=int(item["offset"]),
            timestamp=_from_ms(item["timestamp_ms"]),
            key=_unb64(item["key"]),
            value=_unb64(item["value"]),
            headers=[(str(h["name"]), _unb64(h["value"])) for h in item["headers"]],
            arrived_at=_from_ms(item["arrived_at_ms"]),
        )
        previous_hash = bytes.fromhex(item["previous_hash"])
        stated = bytes.fromhex(item["hash"])
        next_names = None if item["next_names"] is None else bytes.fromhex(item["next_names"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"{where}: not a record line of the export ({exc})"
    at = f"{where} ({record.topic}/{record.partition}/{record.offset})"
    if len(previous_hash) != 32:
        return f"{at}: previous_hash is not a SHA-256 digest"
    if chain_hash(previous_hash, record) != stated:
        return f"{at}: its content no longer gives its hash {stated.hex()}: the line was altered"
    if next_names is not None and next_names != stated:
        return (
            f"{at}: the record stored after it names {next_names.hex()}, not its hash: "
            "the record was rewritten with a new hash"
        )
    return _linked(
        (record.topic, record.partition), record.offset, previous_hash, stated, at, previous
    )


def _check_withheld(
    item: dict[str, Any], where: str, previous: dict[tuple[str, int], tuple[int, bytes]]
) -> bytes | str:
    try:
        topic, partition, offset = str(item["topic"]), int(item["partition"]), int(item["offset"])
        previous_hash = bytes.fromhex(item["previous_hash"])
        stated = bytes.fromhex(item["hash"])
        next_names = None if item["next_names"] is None else bytes.fromhex(item["next_names"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"{where}: not a withheld line of the export ({exc})"
    at = f"{where} ({topic}/{partition}/{offset}, withheld)"
    if next_names is not None and next_names != stated:
        return f"{at}: the record stored after it names {next_names.hex()}, not its hash"
    return _linked((topic, partition), offset, previous_hash, stated, at, previous)


def _linked(
    position: tuple[str, int],
    offset: int,
    previous_hash: bytes,
    stated: bytes,
    at: str,
    previous: dict[tuple[str, int], tuple[int, bytes]],
) -> bytes | str:
    """Records of one partition come in offset order, and one right after another names it."""
    before = previous.get(position)
    if before is not None:
        offset_before, hash_before = before
        if offset <= offset_before:
            return f"{at}: out of order after offset {offset_before} of its partition"
        if offset == offset_before + 1 and previous_hash != hash_before:
            return (
                f"{at}: it does not name the hash of offset {offset_before}, the record before it"
            )
    previous[position] = (offset, stated)
    return stated


def _check_trailer(
    trailer: dict[str, Any],
    digest: ExportDigest,
    public_key: Ed25519PublicKey | None,
    verdict: ExportVerdict,
) -> None:
    if trailer.get("records") != digest.records:
        verdict.problems.append(
            f"the trailer counts {trailer.get('records')} records, the file holds "
            f"{digest.records}: lines were removed or added"
        )
    if trailer.get("digest") != digest.digest().hex():
        verdict.problems.append(
            "the trailer's digest is not that of the header and records: a line was removed, "
            "added, reordered or rewritten with its hash"
        )
    if public_key is None:
        return
    if trailer.get("key_id") != key_id_of(public_key):
        verdict.problems.append(
            f"the export is signed by key {trailer.get('key_id')}, not by the key given"
        )
        verdict.signature = "by another key"
        return
    try:
        public_key.verify(bytes.fromhex(str(trailer.get("signature"))), digest.digest())
    except (InvalidSignature, ValueError):
        verdict.problems.append("the trailer's signature does not verify with the key given")
        verdict.signature = "invalid"
        return
    verdict.signature = "checked"


def _numbered(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(lines, start=1):
        stripped = raw.rstrip(b"\r\n")
        if stripped:
            yield number, stripped


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def _unb64(value: Any) -> bytes | None:
    return None if value is None else base64.b64decode(str(value), validate=True)


def _from_ms(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a time in epoch milliseconds")
    return _EPOCH + timedelta(milliseconds=value)
