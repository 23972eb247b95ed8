"""Fixtures shared by the contract tests: the golden samples, one per event version."""

from __future__ import annotations

import pytest
from vanthu_contracts.samples import GoldenSample, golden_sample, golden_samples

GOLDEN_SAMPLES = golden_samples()


@pytest.fixture(params=GOLDEN_SAMPLES, ids=[sample.event_type for sample in GOLDEN_SAMPLES])
def any_sample(request: pytest.FixtureRequest) -> GoldenSample:
    return request.param


@pytest.fixture
def received_sample() -> GoldenSample:
    return golden_sample("vanthu.intake.document.received.v2")
