"""Every operation of every service's OpenAPI document, fed inputs schemathesis generates from it
(valid ones and ones that break the schema), with valid tokens of every role: no answer is a 5xx.

Issue 16: bad input always gets a clear 4xx and never a server error. Bounded so that it costs
about a minute in `make test`: a few examples per operation and role family, no shrinking; every
5xx is collected (method, path, status, the start of the body) and the test fails listing all of
them, so one run shows the whole picture.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

AGENCY = "000.00.00.G22"
ROLES = ("clerk", "leader", "secretary", "unit_head", "specialist", "auditor", "administrator")
EXAMPLES_PER_OPERATION = 8  # per generation mode
# Routes that are not the services' API: the docs pages and the process's own health/metrics.
SKIPPED_PREFIXES = ("/docs", "/redoc", "/openapi", "/metrics", "/health")


class People:
    """One person per role, in routing's directory (so the services know them), with tokens."""

    def __init__(self, env: dict[str, str]) -> None:
        self.auth = AuthSettings(dev_mode=True, dev_secret=env["VANTHU_AUTH_DEV_SECRET"])
        self.tag = secrets.token_hex(3)
        self.unit = f"fuzz-unit-{self.tag}"
        self.tokens = {
            role: issue_dev_token(
                self.auth,
                user_id=self.user(role),
                agency_code=AGENCY,
                roles=[role],
                unit_id=self.unit if role in ("unit_head", "specialist") else None,
            )
            for role in ROLES
        }

    def user(self, role: str) -> str:
        return f"fuzz-{role}-{self.tag}"

    def enrol(self, routing_url: str) -> None:
        rows = ["kind,id,name,parent_unit_id,unit_id,position,email,roles"]
        rows.append(f"unit,{self.unit},Phòng Thử nghiệm,,,,,")
        for role in ROLES:
            unit = self.unit if role in ("unit_head", "specialist") else ""
            rows.append(f"user,{self.user(role)},Người {role},,{unit},{role},,{role}")
        answer = httpx.post(
            f"{routing_url}/directory/import",
            content="\n".join(rows),
            headers={
                "Authorization": f"Bearer {self.tokens['administrator']}",
                "Content-Type": "text/csv",
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    tokens: dict[str, str],
    failures: list[str],
    statuses: Counter[int],
) -> int:
    """Requests sent to one operation; its 5xx answers (one per role and status) go to failures."""
    sent = 0
    seen: set[tuple[str, int]] = set()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
    def run(case: Any, role: str) -> None:
        nonlocal sent
        sent += 1
        response = case.call(
            base_url=base_url,
            headers={"Authorization": f"Bearer {tokens[role]}"},
            timeout=30,
        )
        statuses[response.status_code] += 1
        if response.status_code >= 500 and (role, response.status_code) not in seen:
            seen.add((role, response.status_code))
            failures.append(
                f"{operation.method.upper()} {operation.path} as {role}: "
                f"{response.status_code} {response.text[:200]!r} "
                f"(path {case.path_parameters}, query {case.query})"
            )

    try:
        run()
    except Unsatisfiable:
        # Nothing to break: an operation with no parameters and no body has no invalid input.
        assert mode is GenerationMode.NEGATIVE, f"{operation.path}: no valid input generated"
    return sent


def _fuzz(
    base_url: str, tokens: dict[str, str], statuses: Counter[int]
) -> tuple[int, int, list[str]]:
    """(operations, requests, failures) for one API, valid and schema-breaking inputs."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = requests = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIPPED_PREFIXES):
            continue
        operations += 1
        for mode in GenerationMode:
            requests += _fuzz_operation(operation, mode, base_url, tokens, failures, statuses)
    return operations, requests, failures


@pytest.mark.timeout(900)
@pytest.mark.parametrize("service", ["intake", "routing", "exchange", "archive"])
def test_no_generated_request_gets_a_server_error(
    running_services: dict[str, Any], service: str, record_property: Any
) -> None:
    api = running_services[f"{service}-api"]
    people = People(api.env)
    people.enrol(running_services["routing-api"].url)
    statuses: Counter[int] = Counter()
    operations, requests, failures = _fuzz(api.url, people.tokens, statuses)
    summary = (
        f"schemathesis {service}: {operations} operations, {requests} requests, "
        f"{len(failures)} server errors; statuses {dict(sorted(statuses.items()))}"
    )
    logging.getLogger(__name__).info(summary)
    record_property("schemathesis", summary)
    assert operations > 0
    assert not failures, "\n".join(failures)
