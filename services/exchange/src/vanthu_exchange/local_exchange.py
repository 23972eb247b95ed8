"""The local exchange `make run` sets up (ADR 0049): the deployment's agency and two demo agencies
on the deployment's own hub.

- the deployment's agency (``000.00.00.G22``, the one `make run`'s tokens name), served by the
  deployment's exchange worker as its connector;
- a second demo agency with a connector of its own (its own database, consumer groups, secret,
  health port), whose registry is the deployment's intake, which registers for every agency;
- a third demo agency with no system: it signs in on the hub's portal.

Secrets are made on first use into ``<state>/exchange.env`` (mode 600), never in the repository.
``deploy/local/services.sh`` calls this module (``python -m vanthu_exchange.local_exchange``)::

    env hub|connector|partner   the environment of that process, shell-quoted KEY=VALUE lines
    register                    the three systems on the hub (already registered: nothing)
    agencies                    the three agencies, one line each (for the README and the user)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

HUB_URL = "http://127.0.0.1:8003"
PARTNER_DATABASE = "vanthu_exchange_partner"
HUB_TOKEN_SECRET = "VANTHU_EXCHANGE_HUB_TOKEN_SECRET"  # noqa: S105 (the variable's name)


@dataclass(frozen=True)
class LocalAgency:
    code: str
    name: str
    role: str
    """``deployment`` (this deployment's connector), ``partner`` (a connector of its own) or
    ``portal`` (no system)."""

    @property
    def secret_name(self) -> str:
        return f"EXCHANGE_SECRET_{self.code.replace('.', '_')}"


DEPLOYMENT = LocalAgency("000.00.00.G22", "Văn phòng Chính phủ", "deployment")
PARTNER = LocalAgency("000.00.00.H49", "UBND tỉnh Quảng Ninh (thử nghiệm)", "partner")
PORTAL = LocalAgency("000.00.00.H41", "UBND tỉnh Nghệ An (thử nghiệm, dùng cổng)", "portal")
AGENCIES = (DEPLOYMENT, PARTNER, PORTAL)


class LocalExchangeError(Exception):
    """What stops the local exchange from being set up, said so the user can act."""


def new_secret() -> str:
    # 32 characters of letters and digits: passes the hub's secret policy.
    return "Vt" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


def ensure_secrets(path: Path, agencies: Sequence[LocalAgency] = AGENCIES) -> dict[str, str]:
    """The secrets in ``path``, adding (never changing) those missing."""
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip():
                known[name.strip()] = value.strip()
    wanted = [HUB_TOKEN_SECRET, *(a.secret_name for a in agencies)]
    missing = [name for name in wanted if name not in known]
    if missing:
        for name in missing:
            known[name] = secrets.token_hex(32) if name == HUB_TOKEN_SECRET else new_secret()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("".join(f"{name}={value}\n" for name, value in known.items()))
    return known


def hub_env(known: dict[str, str]) -> dict[str, str]:
    """The hub (exchange API): its session tokens survive a restart; the portal's cookie goes
    over the plain HTTP of 127.0.0.1 (ADR 0038's development switch)."""
    return {
        HUB_TOKEN_SECRET: known[HUB_TOKEN_SECRET],
        "VANTHU_EXCHANGE_HUB_OPERATOR_AGENCY": DEPLOYMENT.code,
        "VANTHU_EXCHANGE_PORTAL_COOKIE_SECURE": "false",
    }


def connector_env(
    agency: LocalAgency, secret: str, *, hub_url: str = HUB_URL, database: str | None = None
) -> dict[str, str]:
    """A connector serving ``agency`` at the hub; ``database`` for one apart from the
    deployment's."""
    env = {
        "VANTHU_EXCHANGE_HUB_ENABLED": "false",
        "VANTHU_EXCHANGE_HUB_URL": hub_url,
        "VANTHU_EXCHANGE_SYSTEM_ID": agency.code,
        "VANTHU_EXCHANGE_SYSTEM_SECRET": secret,
        "VANTHU_EXCHANGE_HOSTED_AGENCIES": json.dumps([agency.code]),
    }
    if database:
        env["VANTHU_MONGO_DATABASE"] = database
    return env


def process_env(role: str, known: dict[str, str], hub_url: str = HUB_URL) -> dict[str, str]:
    if role == "hub":
        return hub_env(known)
    if role == "connector":
        return connector_env(DEPLOYMENT, known[DEPLOYMENT.secret_name], hub_url=hub_url)
    if role == "partner":
        return connector_env(
            PARTNER, known[PARTNER.secret_name], hub_url=hub_url, database=PARTNER_DATABASE
        )
    raise LocalExchangeError(f"no process {role!r}: hub, connector or partner")


async def register_systems(
    hub_url: str,
    admin_token: str,
    systems: Sequence[tuple[LocalAgency, str]],
) -> list[str]:
    """Each agency registered at the hub as a system of its own under its secret; one already
    registered is checked by opening a session. What was done, one line per agency."""
    done = []
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as hub:
        for agency, secret in systems:
            answer = await hub.post(
                "/hub/v1/systems",
                headers={"Authorization": f"Bearer {admin_token}"},
                json={
                    "system_id": agency.code,
                    "secret": secret,
                    "agencies": [{"code": agency.code, "name": agency.name}],
                },
            )
            if answer.status_code == 201:
                done.append(f"{agency.code} registered ({agency.role})")
                continue
            if answer.status_code != 409:
                raise LocalExchangeError(
                    f"the hub refused to register {agency.code}: "
                    f"{answer.status_code} {answer.text[:300]}"
                )
            session = await hub.post(
                "/hub/v1/sessions", json={"system_id": agency.code, "secret": secret}
            )
            if session.status_code != 200:
                raise LocalExchangeError(
                    f"{agency.code} is registered at the hub under another secret than the "
                    f"one in exchange.env ({session.status_code}); start from empty data "
                    "(make clean) or put the old secret back"
                )
            done.append(f"{agency.code} already registered ({agency.role})")
    return done


def admin_token(agency_code: str = DEPLOYMENT.code) -> str:
    """A dev token of an administrator of the hub's operating agency (`make run` has dev auth)."""
    return issue_dev_token(
        AuthSettings(),
        user_id="make-run",
        agency_code=agency_code,
        roles=["administrator"],
        full_name="make run",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vanthu_exchange.local_exchange")
    parser.add_argument("action", choices=["env", "register", "agencies"])
    parser.add_argument("role", nargs="?", choices=["hub", "connector", "partner"])
    parser.add_argument("--state", type=Path, default=Path(".local"))
    parser.add_argument("--hub-url", default=HUB_URL)
    args = parser.parse_args(argv)
    try:
        known = ensure_secrets(args.state / "exchange.env")
        if args.action == "env":
            if args.role is None:
                raise LocalExchangeError("env needs a process: hub, connector or partner")
            env = process_env(args.role, known, args.hub_url)
            # Shell-quoted: services.sh sources these lines.
            sys.stdout.write("".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()))
        elif args.action == "register":
            systems = [(agency, known[agency.secret_name]) for agency in AGENCIES]
            for line in asyncio.run(register_systems(args.hub_url, admin_token(), systems)):
                sys.stderr.write(f"[exchange] {line}\n")
        else:
            for agency in AGENCIES:
                sys.stdout.write(f"{agency.code}\t{agency.role}\t{agency.name}\n")
    except (LocalExchangeError, httpx.HTTPError) as exc:
        sys.stderr.write(f"[exchange] error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
