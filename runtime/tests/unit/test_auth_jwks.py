"""Tokens of an OpenID Connect provider, verified against its JWKS served over HTTP (ADR 0009)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from vanthu_runtime.auth import InvalidToken, Role, issue_dev_token, verify_token
from vanthu_runtime.settings import AuthSettings

ISSUER = "http://127.0.0.1/realms/vanthu"


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Any, str]]:
    """A signing key and the URL of a JWKS that publishes it (kid "k1")."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield key, f"http://127.0.0.1:{server.server_address[1]}/certs"
    finally:
        server.shutdown()
        server.server_close()


def _token(key: Any, kid: str = "k1", **claims: Any) -> str:
    base = {
        "iss": ISSUER,
        "aud": ["vanthu", "account"],
        "sub": "0b7c-uuid",
        "preferred_username": "vanthu1",
        "name": "Đặng Thị Lan",
        "agency": "000.00.00.G22",
        "unit": "van-phong",
        "roles": ["clerk", "offline_access", "default-roles-vanthu"],
        "exp": 4102444800,
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": kid})


def _settings(url: str, **more: Any) -> AuthSettings:
    return AuthSettings(jwks_url=url, issuer=ISSUER, user_claim="preferred_username", **more)


def test_a_token_of_the_provider_names_the_person_as_the_directory_does(provider) -> None:
    key, url = provider
    person = verify_token(_settings(url), _token(key))
    assert person.user_id == "vanthu1"
    assert person.agency_code == "000.00.00.G22"
    assert person.unit_id == "van-phong"
    assert person.roles == frozenset({Role.CLERK})  # the provider's own roles are not ours


@pytest.mark.parametrize(
    ("why", "claims", "kid"),
    [
        ("another issuer", {"iss": "http://elsewhere/realms/vanthu"}, "k1"),
        ("another audience", {"aud": "account"}, "k1"),
        ("expired", {"exp": 1000}, "k1"),
        ("a key the provider does not publish", {}, "k2"),
    ],
)
def test_a_token_the_provider_did_not_give_us_is_refused(provider, why, claims, kid) -> None:
    key, url = provider
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = other if kid == "k2" else key
    with pytest.raises(InvalidToken):
        verify_token(_settings(url), _token(signer, kid=kid, **claims))


def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused(provider) -> None:
    _, url = provider
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidToken):
        verify_token(_settings(url), _token(other, kid="k1"))


def test_dev_tokens_stay_refused_beside_a_provider_unless_dev_auth_is_on(provider) -> None:
    _, url = provider
    dev = AuthSettings(dev_mode=True, dev_secret="s" * 32, issuer=ISSUER)
    token = issue_dev_token(dev, user_id="u", agency_code="A", roles=["clerk"])
    with pytest.raises(InvalidToken):
        verify_token(_settings(url), token)
    assert verify_token(_settings(url, dev_mode=True, dev_secret="s" * 32), token).user_id == "u"
