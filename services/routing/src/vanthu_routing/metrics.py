"""Prometheus metrics of routing, beside the runtime's (events handled, HTTP requests)."""

from __future__ import annotations

from prometheus_client import Counter

DOCUMENTS_SKIPPED = Counter(
    "vanthu_routing_documents_skipped_total",
    "Received documents routing opened no case for, by reason (agency_not_served).",
    ["reason"],
)
