"""Prometheus metrics shared by the API and worker processes of every service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_HANDLED = Counter(
    "vanthu_events_handled_total",
    "Events taken from a topic, by outcome (handled, skipped_duplicate, dead_lettered).",
    ["topic", "group", "outcome"],
)
HANDLER_ATTEMPTS_FAILED = Counter(
    "vanthu_handler_attempts_failed_total",
    "Handler attempts that raised and will be retried or dead-lettered.",
    ["topic", "group"],
)
HANDLE_SECONDS = Histogram(
    "vanthu_event_handle_seconds", "Time to handle one event, retries included.", ["topic", "group"]
)
HTTP_REQUESTS = Histogram(
    "vanthu_http_request_seconds",
    "HTTP request duration by route and status.",
    ["method", "route", "status"],
)
