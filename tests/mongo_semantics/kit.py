"""Types shared by the Mongo semantics tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

Document = dict[str, Any]
ClientFactory = Callable[[], Awaitable[AsyncMongoClient[Document]]]
