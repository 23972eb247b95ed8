"""Periodic fixity checks of stored originals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from vanthu_archive.domain.fixity import (
    Digest,
    FixityObservation,
    FixityProblem,
    fixity_report,
    sha256_of,
)

CHECKED_AT = datetime(2025, 6, 1, 2, tzinfo=UTC)
SCAN = b"%PDF-1.4 scanned at 200 dpi"


def recorded(content: bytes) -> Digest:
    return Digest(hashlib.sha256(content).hexdigest(), len(content))


def test_hashing_in_chunks_gives_the_digest_of_the_whole_file() -> None:
    chunks = [SCAN[:5], b"", SCAN[5:17], SCAN[17:]]

    assert sha256_of(chunks) == recorded(SCAN)


def test_objects_that_still_have_their_bytes_make_an_intact_report() -> None:
    report = fixity_report(
        [
            FixityObservation("originals/a", recorded(SCAN), sha256_of([SCAN])),
            FixityObservation("originals/b", recorded(b""), sha256_of([])),
        ],
        CHECKED_AT,
    )

    assert report.intact
    assert report.checked == 2


def test_each_changed_or_missing_object_is_named_with_what_was_expected() -> None:
    flipped = bytes([SCAN[0] ^ 1]) + SCAN[1:]
    report = fixity_report(
        [
            FixityObservation("originals/ok", recorded(SCAN), sha256_of([SCAN])),
            FixityObservation("originals/flipped", recorded(SCAN), sha256_of([flipped])),
            FixityObservation("originals/truncated", recorded(SCAN), sha256_of([b""])),
            FixityObservation("originals/gone", recorded(SCAN), None),
        ],
        CHECKED_AT,
    )

    assert not report.intact
    assert report.checked == 4
    assert [(f.object_key, f.problem) for f in report.findings] == [
        ("originals/flipped", FixityProblem.CHECKSUM_MISMATCH),
        ("originals/truncated", FixityProblem.SIZE_MISMATCH),
        ("originals/gone", FixityProblem.MISSING),
    ]
    flipped_finding = report.findings[0]
    assert flipped_finding.expected == hashlib.sha256(SCAN).hexdigest()
    assert flipped_finding.found == hashlib.sha256(flipped).hexdigest()
    assert (report.findings[1].expected, report.findings[1].found) == (
        f"{len(SCAN)} bytes",
        "0 bytes",
    )


def test_a_checksum_recorded_in_upper_case_still_matches() -> None:
    upper = Digest(hashlib.sha256(SCAN).hexdigest().upper(), len(SCAN))

    assert fixity_report([FixityObservation("o", upper, sha256_of([SCAN]))], CHECKED_AT).intact


def test_a_report_needs_a_time_zone_on_its_check_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        fixity_report([], datetime(2025, 6, 1))  # noqa: DTZ001
