"""The one place that wires the intake service: API routers and the worker's consume loops."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import FastAPI
from vanthu_runtime.api import create_app
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.platform import Platform

from vanthu_intake.config import SERVICE


def create_api() -> FastAPI:
    return create_app(service=SERVICE)


async def build_loops(platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
    return ()
