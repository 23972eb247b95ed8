"""An export checked offline: intact as written, and each kind of tampering named by its line."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from vanthu_archive.domain.checkpoint import key_id
from vanthu_archive.domain.export import (
    ExportDigest,
    header_line,
    record_line,
    trailer_line,
    verify_export,
    withheld_line,
)
from vanthu_archive.domain.hashchain import ChainedRecord, StoredRecord, append_record, head_of

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def _chain(count: int, topic: str = "document.received") -> list[ChainedRecord]:
    chained: list[ChainedRecord] = []
    head = None
    for offset in range(count):
        moment = T0 + timedelta(seconds=offset)
        record = StoredRecord(
            topic=topic,
            partition=0,
            offset=offset,
            timestamp=moment,
            key=f"doc-{offset}".encode(),
            value=json.dumps({"subject": f"Công văn số {offset}"}).encode(),
            headers=[("ce_subject", f"doc-{offset}".encode()), ("empty", None)],
            arrived_at=moment + timedelta(milliseconds=7),
        )
        link = append_record(head, record)
        head = head_of(link)
        chained.append(link)
    return chained


def _export(chained: list[ChainedRecord], withheld: frozenset[int] = frozenset()) -> list[bytes]:
    header = header_line("000.00.00.G22", T0, T0 + timedelta(days=1), T0 + timedelta(days=2))
    digest = ExportDigest(header)
    lines = [header]
    for index, link in enumerate(chained):
        after = chained[index + 1].previous_hash if index + 1 < len(chained) else None
        made = withheld_line if index in withheld else record_line
        lines.append(made(link, after))
        digest.add(link.hash)
    lines.append(trailer_line(digest, key_id(KEY.public_key()), KEY.sign(digest.digest())))
    return lines


def _edited(line: bytes, **changes: object) -> bytes:
    return json.dumps({**json.loads(line), **changes}).encode() + b"\n"


def test_an_export_as_written_is_intact_and_its_signature_checks() -> None:
    verdict = verify_export(_export(_chain(5)), KEY.public_key())

    assert verdict.intact, verdict.describe()
    assert verdict.records == 5
    assert verdict.describe() == "export of 000.00.00.G22: intact, 5 records, signature checked"


def test_one_edited_record_is_caught_and_its_line_named() -> None:
    lines = _export(_chain(5))
    # Offset 2 (line 4: the header is line 1) gets another subject.
    lines[3] = _edited(lines[3], value=base64.b64encode("Công văn số 9".encode()).decode())

    verdict = verify_export(lines, KEY.public_key())

    assert not verdict.intact
    assert verdict.problems[0].startswith("line 4 (document.received/0/2): its content no longer")


def test_a_record_rewritten_with_a_new_hash_is_caught_by_the_record_after_it() -> None:
    chained = _chain(4)
    lines = _export(chained)
    forged = StoredRecord(**{**_fields(chained[1].record), "value": b'{"subject":"forged"}'})
    rewritten = append_record(head_of(chained[0]), forged)
    lines[2] = record_line(rewritten, chained[2].previous_hash)

    verdict = verify_export(lines)

    assert "line 3 (document.received/0/1): the record stored after it names" in verdict.problems[0]


def test_a_removed_line_breaks_the_links_and_the_trailer() -> None:
    lines = _export(_chain(5))
    del lines[2]

    problems = verify_export(lines).problems

    assert problems == [
        "the trailer counts 5 records, the file holds 4: lines were removed or added",
        "the trailer's digest is not that of the header and records: a line was removed, "
        "added, reordered or rewritten with its hash",
    ]


def test_withheld_records_keep_the_chain_checkable_and_tell_nothing() -> None:
    lines = _export(_chain(4), withheld=frozenset({1}))

    verdict = verify_export(lines, KEY.public_key())

    assert verdict.intact, verdict.describe()
    assert set(json.loads(lines[2])) == {
        "topic", "partition", "offset", "withheld", "previous_hash", "hash", "next_names",
    }  # fmt: skip


def test_another_key_or_a_cut_file_is_said() -> None:
    lines = _export(_chain(3))

    other = verify_export(lines, Ed25519PrivateKey.generate().public_key())
    cut = verify_export(lines[:-1])
    empty = verify_export([])

    assert other.signature == "by another key"
    assert cut.problems == ["no trailer: the export is cut short"]
    assert empty.problems == ["the file is empty: no header"]


def _fields(record: StoredRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in StoredRecord.__slots__}
