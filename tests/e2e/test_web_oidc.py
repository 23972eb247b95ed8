"""Sign-in with a real OpenID Connect provider: Keycloak (from Maven Central, started by
deploy/local/keycloak.sh on free ports) with the realm `vanthu`; the web app through nginx and the
intake and routing APIs configured for it (VANTHU_AUTH_JWKS_URL, _ISSUER, _OIDC_CLIENT_ID). The
browser part is web/e2e/oidc-flow.mjs: authorization code + PKCE, the services take the token,
sign-out ends the provider's session (ADR 0009)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness.processes import ServiceProcess, free_port
from harness.servers import ROOT, Servers
from harness.web import build_web, run_flow
from harness.web import one_origin as serve_one_origin
from vanthu_runtime.platform import PlatformSettings

KEYCLOAK_SH = ROOT / "deploy" / "local" / "keycloak.sh"


def _java_21() -> bool:
    for home in [
        os.environ.get("VANTHU_KEYCLOAK_JAVA_HOME", ""),
        *map(str, Path("/usr/lib/jvm").glob("*")),
    ]:
        java = Path(home) / "bin" / "java"
        if home and java.exists():
            said = subprocess.run([str(java), "-version"], capture_output=True, text=True).stderr
            found = re.search(r'version "(\d+)', said)
            if found and int(found.group(1)) >= 21:
                return True
    return False


@pytest.fixture(scope="module")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def keycloak(tmp_path_factory: pytest.TempPathFactory, web_port: int) -> Iterator[dict[str, str]]:
    if not _java_21():
        pytest.skip("Keycloak 26 needs Java 21 or newer; none in /usr/lib/jvm")
    state = tmp_path_factory.mktemp("keycloak")
    env = {
        **os.environ,
        "VANTHU_STATE_DIR": str(state),
        "VANTHU_KEYCLOAK_PORT": str(free_port()),
        "VANTHU_KEYCLOAK_WEB_ORIGIN": f"http://127.0.0.1:{web_port}",
    }
    started = subprocess.run(
        [str(KEYCLOAK_SH), "up"], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        settings = dict(
            line.split("=", 1)
            for line in subprocess.run(
                [str(KEYCLOAK_SH), "env"], env=env, capture_output=True, text=True, check=True
            ).stdout.splitlines()
        )
        password = (state / "secrets" / "keycloak.env").read_text()
        settings["password"] = re.search(r"KEYCLOAK_DEMO_PASSWORD=(\S+)", password).group(1)
        yield settings
    finally:
        subprocess.run([str(KEYCLOAK_SH), "down"], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def apis(
    keycloak: dict[str, str],
    servers: Servers,
    platform_settings: PlatformSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServiceProcess]]:
    """Intake's and routing's APIs taking the provider's tokens (dev sign-in stays on beside)."""
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": f"{platform_settings.mongo.database}_oidc",
        "VANTHU_S3_BUCKET": f"{platform_settings.s3.bucket}-oidc",
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": secrets.token_hex(32),
        "VANTHU_LOG_JSON": "true",
        **{k: v for k, v in keycloak.items() if k.startswith("VANTHU_AUTH_")},
    }
    logs = tmp_path_factory.mktemp("oidc-logs")
    processes = {
        service: ServiceProcess(service, "api", free_port(), env, logs / f"{service}.log").start()
        for service in ("intake", "routing")
    }
    try:
        for process in processes.values():
            process.wait_ready()
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@pytest.fixture(scope="module")
def origin(
    apis: dict[str, ServiceProcess], web_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    ours = {service: f"127.0.0.1:{process.port}" for service, process in apis.items()}
    state = tmp_path_factory.mktemp("nginx")
    with serve_one_origin(ours, web_port, state, build_web()) as url:
        yield url


def test_the_services_tell_the_browser_where_the_provider_is(
    origin: str, keycloak: dict[str, str]
) -> None:
    config = httpx.get(f"{origin}/api/intake/auth/config").json()
    assert config["oidc"]["issuer"] == keycloak["VANTHU_AUTH_ISSUER"]
    assert config["oidc"]["client_id"] == "vanthu-web"
    assert config["oidc"]["authorization_endpoint"].startswith(keycloak["VANTHU_AUTH_ISSUER"])
    assert "secret" not in str(config).lower()


def test_a_clerk_signs_in_with_the_provider_and_out_again(
    origin: str, keycloak: dict[str, str], tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    run = run_flow(
        "oidc-flow.mjs",
        {
            "VANTHU_WEB_URL": origin,
            "VANTHU_WEB_SHOTS": str(shots),
            "VANTHU_OIDC_USER": "vanthu1",
            "VANTHU_OIDC_PASSWORD": keycloak["password"],
            "VANTHU_OIDC_NAME": "Đặng Thị Lan",
        },
        timeout=300,
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert (
        "web-flow: intake answered 200 to a token of " + keycloak["VANTHU_AUTH_ISSUER"]
        in run.stdout
    ), said
    assert "web-flow: the provider asks for the password again" in run.stdout, said


def test_a_token_of_the_provider_for_someone_else_is_refused(
    apis: dict[str, ServiceProcess], keycloak: dict[str, str]
) -> None:
    """A token signed by a key the provider does not publish is not taken, whatever it claims."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "iss": keycloak["VANTHU_AUTH_ISSUER"],
            "aud": "vanthu",
            "sub": "x",
            "preferred_username": "vanthu1",
            "agency": "000.00.00.G22",
            "roles": ["clerk"],
            "exp": 4102444800,
        },
        key,
        algorithm="RS256",
        headers={"kid": "not-the-providers"},
    )
    answer = httpx.get(
        f"{apis['intake'].url}/v1/documents", headers={"Authorization": f"Bearer {forged}"}
    )
    assert answer.status_code == 401, answer.text
