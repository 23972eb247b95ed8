"""Who may call the APIs: dev tokens only with dev auth on, roles and agency carried in the token."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import SecretStr
from vanthu_runtime.auth import (
    InvalidToken,
    Principal,
    Role,
    issue_dev_token,
    require_roles,
    verify_token,
)
from vanthu_runtime.settings import AuthSettings

DEV = AuthSettings(dev_mode=True, dev_secret=SecretStr("a-local-dev-secret-of-some-length"))


def test_a_dev_token_names_the_user_the_agency_and_the_roles() -> None:
    token = issue_dev_token(DEV, user_id="clerk1", agency_code="000.00.00.G22", roles=["clerk"])
    principal = verify_token(DEV, token)
    assert principal.user_id == "clerk1"
    assert principal.agency_code == "000.00.00.G22"
    assert principal.roles == frozenset({Role.CLERK})


def test_a_dev_token_is_refused_when_dev_auth_is_off() -> None:
    token = issue_dev_token(DEV, user_id="clerk1", agency_code="000.00.00.G22", roles=["clerk"])
    production = DEV.model_copy(update={"dev_mode": False})
    with pytest.raises(InvalidToken, match="only when dev auth is enabled"):
        verify_token(production, token)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = DEV.model_copy(
        update={"dev_secret": SecretStr("somebody-elses-secret-entirely-and-longer")}
    )
    token = issue_dev_token(other, user_id="x", agency_code="000.00.00.G22", roles=["leader"])
    with pytest.raises(InvalidToken, match="Signature"):
        verify_token(DEV, token)


ClerkOnly = Annotated[Principal, Depends(require_roles(Role.CLERK))]


def _app() -> FastAPI:
    app = FastAPI()
    app.state.auth_settings = DEV

    @app.get("/register")
    async def register(principal: ClerkOnly) -> dict[str, str]:
        return {"agency": principal.agency_code}

    return app


async def _get(token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/register", headers=headers)


async def test_an_api_call_without_a_token_is_401_and_with_the_wrong_role_403() -> None:
    leader = issue_dev_token(DEV, user_id="l1", agency_code="000.00.00.G22", roles=["leader"])
    clerk = issue_dev_token(DEV, user_id="c1", agency_code="000.00.00.G22", roles=["clerk"])

    assert (await _get(None)).status_code == 401
    forbidden = await _get(leader)
    assert forbidden.status_code == 403
    assert "clerk" in forbidden.json()["detail"]
    allowed = await _get(clerk)
    assert allowed.status_code == 200
    assert allowed.json() == {"agency": "000.00.00.G22"}


def test_vanthu_token_prints_a_token_the_services_accept(tmp_path) -> None:
    env = {"VANTHU_AUTH_DEV_SECRET": "a-local-dev-secret-of-some-length", "PATH": ""}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "vanthu_runtime.cli",
            "token",
            "--user",
            "u1",
            "--agency",
            "000.00.00.G22",
            "--role",
            "secretary",
            "--role",
            "clerk",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    principal = verify_token(DEV, done.stdout.strip())
    assert principal.roles == frozenset({Role.SECRETARY, Role.CLERK})


def test_vanthu_token_without_a_dev_secret_says_how_to_get_one(tmp_path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "vanthu_runtime.cli",
            "token",
            "--user",
            "u1",
            "--agency",
            "000.00.00.G22",
            "--role",
            "clerk",
        ],
        capture_output=True,
        text=True,
        env={"PATH": ""},
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "make run" in done.stderr


def test_vanthu_token_does_not_load_the_services_so_it_prints_at_once() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from vanthu_runtime.cli import main; "
        "main(['token', '--user', 'u1', '--agency', '000.00.00.G22', '--role', 'clerk']); "
        "print(sorted(m for m in sys.modules if m.startswith(('vanthu_intake', 'vanthu_routing',"
        " 'vanthu_exchange', 'vanthu_archive'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"VANTHU_AUTH_DEV_MODE": "true", "VANTHU_AUTH_DEV_SECRET": "x" * 32, "PATH": ""},
    ).stdout.splitlines()
    assert out[-1] == "[]"
    assert out[0].count(".") == 2  # a JWT
