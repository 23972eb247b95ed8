"""End to end: the README's walk-through (register → direct → complete → send → status back →
search) works as written, run by bash against every process `make run` starts, the local exchange
included (ADR 0049): the hub, this deployment's connector and the demo partner's.

The processes get their settings from the module `deploy/local/services.sh` asks
(`vanthu_exchange.local_exchange`), their own database and consumer groups, and the agencies
random codes (the README's block takes them from AGENCY and PARTNER, as it takes the base URLs),
so that this test meets no other deployment on the shared broker."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from harness.processes import ServiceProcess, free_port
from harness.servers import ROOT
from harness.signing import signing_token
from vanthu_exchange.local_exchange import (
    DEPLOYMENT,
    LocalAgency,
    connector_env,
    ensure_secrets,
    hub_env,
    register_systems,
)
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

README = ROOT / "README.md"
DEMO = ROOT / "web" / "src" / "demo.ts"
SEED = ROOT / "deploy" / "local" / "demo-directory.sh"


def walkthrough_block() -> str:
    text = README.read_text()
    marker = text.index("<!-- walkthrough -->")
    found = re.compile(r"```bash\n(.*?)\n```", re.S).search(text, marker)
    assert found is not None, "no bash block after <!-- walkthrough --> in README.md"
    return found.group(1)


def random_code(level1: str) -> str:
    return f"{secrets.randbelow(1000):03d}.{secrets.randbelow(100):02d}.00.{level1}"


@pytest.fixture(scope="module")
def deployment(servers, platform_settings, topics_ready, tmp_path_factory):
    """The processes of `make run` on free ports, with a local exchange of three agencies."""
    logs = tmp_path_factory.mktemp("walkthrough")
    agency = LocalAgency(random_code("G22"), "Văn phòng thử nghiệm", "deployment")
    partner = LocalAgency(random_code("H49"), "UBND tỉnh thử nghiệm", "partner")
    portal = LocalAgency(random_code("H41"), "Sở thử nghiệm dùng cổng", "portal")
    agencies = (agency, partner, portal)
    known = ensure_secrets(logs / "exchange.env", agencies)
    dev_secret = secrets.token_hex(32)
    database = f"{platform_settings.mongo.database}_readme"
    base = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_S3_BUCKET": platform_settings.s3.bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": dev_secret,
        "VANTHU_LOG_JSON": "true",
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        "VANTHU_ROUTING_SERVED_AGENCIES": agency.code,
        "VANTHU_EXCHANGE_POLL_INTERVAL_S": "0.5",
        # the leader's key and this agency's seal in a token, as make run's signing.sh makes them
        **signing_token(
            tmp_path_factory.mktemp("signing"),
            f"lanhdao1=Nguyễn Văn An|{agency.name}\nseal:{agency.code}={agency.name}|{agency.name}",
        ),
    }

    def process(service: str, kind: str, name: str, env: dict[str, str]) -> ServiceProcess:
        return ServiceProcess(service, kind, free_port(), {**base, **env}, logs / f"{name}.log")

    apps = {
        f"{service}-{kind}": process(service, kind, f"{service}-{kind}", {})
        for service in ("intake", "routing", "archive")
        for kind in ("api", "worker")
    }
    apps["exchange-api"] = process("exchange", "api", "exchange-api", hub_env(known))
    started = [p.start() for p in apps.values()]
    try:
        for p in started:
            p.wait_ready(timeout=240)
        hub = apps["exchange-api"].url
        admin = issue_dev_token(
            AuthSettings(dev_mode=True, dev_secret=dev_secret),
            user_id="make-run",
            agency_code=DEPLOYMENT.code,
            roles=["administrator"],
        )
        asyncio.run(register_systems(hub, admin, [(a, known[a.secret_name]) for a in agencies]))
        connectors = [
            process(
                "exchange",
                "worker",
                "exchange-worker",
                connector_env(agency, known[agency.secret_name], hub_url=hub),
            ),
            process(
                "exchange",
                "worker",
                "exchange-partner",
                connector_env(
                    partner,
                    known[partner.secret_name],
                    hub_url=hub,
                    database=f"{database}_partner",
                ),
            ),
        ]
        for p in connectors:
            started.append(p.start())
        for p in connectors:
            p.wait_ready(timeout=240)
        yield {
            "env": {
                "INTAKE": apps["intake-api"].url,
                "ROUTING": apps["routing-api"].url,
                "EXCHANGE": hub,
                "ARCHIVE": apps["archive-api"].url,
                "AGENCY": agency.code,
                "PARTNER": partner.code,
                "VANTHU_AUTH_DEV_SECRET": dev_secret,
            },
            "processes": started,
        }
    finally:
        for p in started:
            p.stop()


def run_block(deployment, work: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **deployment["env"], "WORK": str(work)}
    done = subprocess.run(
        ["bash", "-c", walkthrough_block()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        tails = "\n".join(
            f"--- {p.service}-{p.kind}:\n{p.log_tail(8)}" for p in deployment["processes"]
        )
        raise AssertionError(
            f"the walk-through stopped ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tails}"
        )
    return done


def test_the_readme_walkthrough_registers_directs_completes_sends_and_finds_the_letter(
    deployment, tmp_path
) -> None:
    done = run_block(deployment, tmp_path)
    out = done.stdout

    # The clerk sees the arrival number at once.
    arrival = re.search(r"^Số đến: (\d+) / (\d{4}) - (.+)$", out, re.M)
    assert arrival, out
    registered = json.loads((tmp_path / "registered.json").read_text())
    assert int(arrival.group(1)) == registered["arrival_number"]
    assert arrival.group(3) == "V/v báo cáo tình hình tiếp nhận văn bản điện tử"
    # The leader directed it, the unit completed its task.
    assert "Đã chuyển Phòng Kế hoạch xử lý" in out
    assert "Nhiệm vụ: completed" in out
    # The leader signed the reply; intake numbered and sealed it: both signatures verify.
    notation = re.search(r"^Số, ký hiệu: (\d+/VPCP-KH) - ngày \d{2}/\d{2}/\d{4}$", out, re.M)
    assert notation, out
    assert "Chữ ký số hợp lệ: True" in out, out
    assert re.search(r"^ +.*Nguyễn Văn An.* - form_filling$", out, re.M), out
    # The draft's appendix came with the approval and got the agency's signature (issue 14).
    assert re.search(r"^Phụ lục: phu-luc-1\.pdf - hợp lệ: True - \S.*$", out, re.M), out
    sent = json.loads((tmp_path / "sent.json").read_text())
    assert f"{sent['code_number']}/{sent['code_notation']}" == notation.group(1)
    assert sent["approved_draft"]["document_id"] == registered["id"]
    assert registered["id"] in sent["metadata"]["reply_to"]
    # H49's statuses came back into intake's view: arrived (01), then accepted (03).
    partner = deployment["env"]["PARTNER"]
    [status] = [s for s in sent["recipient_statuses"] if s["agency_code"] == partner]
    assert status["processing"]["status_code"] == "03"
    assert re.search(r"^ +\S+ 01 Đã đến", out, re.M), out
    assert re.search(r"^ +\S+ 03 Đã tiếp nhận", out, re.M), out
    assert re.search(rf"^{re.escape(partner)} UBND tỉnh Quảng Ninh - ", out, re.M), out
    # The archive found the letter by a query without diacritics.
    assert re.search(r"^Tìm thấy: .*báo cáo tình hình tiếp nhận", out, re.M), out


def test_the_demo_directory_is_the_web_apps_and_seeding_it_again_changes_nothing(
    deployment,
) -> None:
    env = {**os.environ, **deployment["env"]}
    script = SEED.read_text()
    for name, variable in (("DEMO_DELEGATION", "delegation"), ("DEMO_RULES", "rules")):
        written = re.search(rf"^{variable}='(.*?)'$", script, re.M | re.S)
        assert written, variable
        assert json.loads(written.group(1)) == demo_ts_object(name)

    # The walk-through above seeded it already; once more answers as the first time did.
    again = subprocess.run(
        [str(SEED)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert again.returncode == 0, again.stderr
    assert '{"units":3,"users":8}' in again.stderr

    token = issue_dev_token(
        AuthSettings(dev_mode=True, dev_secret=env["VANTHU_AUTH_DEV_SECRET"]),
        user_id="kiemtra1",
        agency_code=env["AGENCY"],
        roles=["auditor"],
    )
    users = httpx.get(
        f"{env['ROUTING']}/directory/users",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert users.status_code == 200, users.text
    demo_users = [
        row.split(",")[1] for row in re.findall(r"^ *'(user,.*)',$", DEMO.read_text(), re.M)
    ]
    assert sorted(u["user_id"] for u in users.json()) == sorted(demo_users)


def demo_ts_object(name: str) -> object:
    """A constant object of web/src/demo.ts read as JSON (its keys unquoted, strings in '')."""
    found = re.search(rf"export const {name} = (\{{.*?\n\}});", DEMO.read_text(), re.S)
    assert found, name
    text = re.sub(r"\b([a-z_]+): ", r'"\1": ', found.group(1).replace("'", '"'))
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
