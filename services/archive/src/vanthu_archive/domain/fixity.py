"""Fixity: do stored objects still have the bytes they had when they were stored?

The adapter streams each object from the blob store through ``sha256_of`` and hands the
observations to ``fixity_report``; the report names every missing or changed object, so a periodic
check can alert and an auditor can see which originals need restoring from a replica or a bag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vanthu_archive.domain.canonical_encoding import require_aware


@dataclass(frozen=True, slots=True)
class Digest:
    sha256: str
    size: int


def sha256_of(chunks: Iterable[bytes]) -> Digest:
    """Hash a stream chunk by chunk, so a 2 GB scan never has to fit in memory."""
    hasher = hashlib.sha256()
    size = 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
    return Digest(hasher.hexdigest(), size)


@dataclass(frozen=True, slots=True)
class FixityObservation:
    """What was recorded for one object and what was found when it was read back."""

    object_key: str
    expected: Digest
    found: Digest | None
    """``None`` when the object could not be found at all."""


class FixityProblem(StrEnum):
    MISSING = "missing"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    SIZE_MISMATCH = "size_mismatch"


@dataclass(frozen=True, slots=True)
class FixityFinding:
    object_key: str
    problem: FixityProblem
    expected: str
    found: str


@dataclass(frozen=True, slots=True)
class FixityReport:
    checked_at: datetime
    checked: int
    findings: tuple[FixityFinding, ...]

    @property
    def intact(self) -> bool:
        return not self.findings


def fixity_report(observations: Iterable[FixityObservation], checked_at: datetime) -> FixityReport:
    require_aware(checked_at, "a fixity check time")
    findings: list[FixityFinding] = []
    checked = 0
    for observation in observations:
        checked += 1
        finding = _finding(observation)
        if finding is not None:
            findings.append(finding)
    return FixityReport(checked_at, checked, tuple(findings))


def _finding(observation: FixityObservation) -> FixityFinding | None:
    key, expected, found = observation.object_key, observation.expected, observation.found
    if found is None:
        return FixityFinding(key, FixityProblem.MISSING, expected.sha256, "nothing")
    # A size change says more to a person than a checksum change ("truncated to 0 bytes").
    if found.size != expected.size:
        return FixityFinding(
            key, FixityProblem.SIZE_MISMATCH, f"{expected.size} bytes", f"{found.size} bytes"
        )
    if found.sha256.lower() != expected.sha256.lower():
        return FixityFinding(key, FixityProblem.CHECKSUM_MISMATCH, expected.sha256, found.sha256)
    return None
