"""The connector signs its packages with the agency's key inside a PKCS#11 token (issue 16 item
11, issue 14, ADR 0031 addendum): a SoftHSM2 token made by deploy/local/signing.sh as `make run`
makes it, the real servers, the hub and the connector as processes.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from exchange_testkit import (
    issued_document,
    put_file,
    random_agency,
    random_secret,
    register_agencies,
    send_request,
    start_connector,
    start_hub,
    waiting_document,
)
from vanthu_exchange.domain.edxml import SignatureStatus, read_package, verify_package_signature
from vanthu_exchange.domain.signing_keys import certificate_from_pem
from vanthu_runtime.mongo import create_mongo_client

ROOT = Path(__file__).resolve().parents[4]
PDF = b"%PDF-1.7 cong van ky bang khoa trong token"


def make_token(state: Path, keys: list[str]) -> dict[str, str]:
    """deploy/local/signing.sh up in ``state`` with ``keys``; the settings it prints."""
    env = {**os.environ, "VANTHU_STATE_DIR": str(state), "SIGNING_KEYS": "\n".join(keys)}
    script = ROOT / "deploy/local/signing.sh"
    subprocess.run([str(script), "up"], env=env, check=True, capture_output=True, timeout=300)
    printed = subprocess.run(
        [str(script), "env"], env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)


TOKEN_PROBE = """
import json, os, sys
import pkcs11
from pkcs11 import Attribute, ObjectClass
from pkcs11.exceptions import AttributeSensitive

library = pkcs11.lib(os.environ["VANTHU_SIGNING_PKCS11_MODULE"])
token = library.get_token(token_label=os.environ["VANTHU_SIGNING_TOKEN_LABEL"])
with token.open(user_pin=os.environ["VANTHU_SIGNING_PIN"]) as session:
    label = sys.argv[1]
    (certificate,) = session.get_objects(
        {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}
    )
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
    try:
        key[Attribute.PRIVATE_EXPONENT]
        exponent_readable = True
    except AttributeSensitive:
        exponent_readable = False
    print(json.dumps({
        "certificate": bytes(certificate[Attribute.VALUE]).hex(),
        "extractable": bool(key[Attribute.EXTRACTABLE]),
        "sensitive": bool(key[Attribute.SENSITIVE]),
        "exponent_readable": exponent_readable,
    }))
"""


def token_key(settings: dict[str, str], label: str) -> dict[str, Any]:
    """What the token itself says of the key ``label``, read in a process of its own (a PKCS#11
    library is initialised once per process, with the SOFTHSM2_CONF it first saw)."""
    printed = subprocess.run(
        [sys.executable, "-c", TOKEN_PROBE, label],
        env={**os.environ, **settings},
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    answer: dict[str, Any] = json.loads(printed)
    return answer


@pytest.fixture(scope="module")
def deployment(servers, tmp_path_factory, topics_ready):
    logs = tmp_path_factory.mktemp("exchange-token-keys")
    # The connector hosts two agencies; the token holds the ministry's key, not the board's.
    ministry, board = random_agency("G09"), random_agency("G12")
    sdk, modern, third = random_agency("H30"), random_agency("H22"), random_agency("H14")
    token = make_token(
        Path(tempfile.mkdtemp(prefix="vanthu-exchange-token-")),
        [f"edxml:{ministry}=Văn thư {ministry}|Bộ Thử Nghiệm"],
    )
    hub = start_hub(servers, logs, hub_id="hub-token-keys")
    codes = register_agencies(hub, sdk, modern, third)
    codes[ministry] = random_secret()
    registered = hub.register(ministry, codes[ministry], [ministry, board])
    assert registered.status_code == 201, registered.text
    connector = start_connector(
        servers,
        logs,
        hub,
        ministry,
        codes[ministry],
        [ministry, board],
        extra_env={
            **token,
            "VANTHU_EXCHANGE_PEERS": json.dumps({sdk: {"sdk_signature": True}}),
        },
    )
    yield {
        "hub": hub,
        "connector": connector,
        "ministry": ministry,
        "board": board,
        "third": third,
        "sdk": sdk,
        "modern": modern,
        "secrets": codes,
        "token": token,
    }
    for process in (connector.process, hub.process):
        process.stop()


async def test_packages_signed_with_the_token_key_verify_and_no_private_key_is_in_mongo(
    deployment, servers, publisher, platform_settings
) -> None:
    ministry, sdk, modern = deployment["ministry"], deployment["sdk"], deployment["modern"]
    hub, codes = deployment["hub"], deployment["secrets"]
    pdf = put_file(servers, deployment["connector"].bucket, PDF, name="cong-van.pdf")
    document = issued_document(ministry, [sdk, modern], (pdf,))

    await publisher.publish(document)
    await publisher.publish(send_request(document, [sdk, modern]))

    # The hub's directory holds the certificate of the key in the token, as the connector
    # published it.
    token_certificate = bytes.fromhex(
        token_key(deployment["token"], f"edxml:{ministry}")["certificate"]
    )
    bodies = {
        agency: await waiting_document(hub, agency, codes[agency]) for agency in (sdk, modern)
    }
    async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
        answer = await client.get("/hub/v1/agencies", headers=hub.session(sdk, codes[sdk]))
    (entry,) = [a for a in answer.json()["agencies"] if a["code"] == ministry]
    certificate = certificate_from_pem(entry["certificate_pem"])
    assert certificate.public_bytes(serialization.Encoding.DER) == token_certificate

    # Both profiles sign in the token: rsa-sha1 for the SDK peer, rsa-sha256 for the other.
    legacy = {}
    for agency, body in bodies.items():
        verdict = verify_package_signature(
            read_package(io.BytesIO(body)), lambda code: [certificate]
        )
        assert verdict.status is SignatureStatus.VALID, verdict.reason
        legacy[agency] = verdict.legacy_algorithm
    assert legacy == {sdk: True, modern: False}

    # No key of the ministry was written to the connector's Mongo: only the board's is there.
    settings = platform_settings.mongo.model_copy(
        update={"database": deployment["connector"].database}
    )
    client = create_mongo_client(settings)
    try:
        kept = await client[settings.database]["agency_keys"].find({}).to_list()
    finally:
        await client.close()
    assert [key["_id"] for key in kept] == [deployment["board"]]


async def test_an_agency_whose_key_the_token_lacks_still_signs_with_its_development_key(
    deployment, servers, publisher
) -> None:
    board, third = deployment["board"], deployment["third"]
    hub, codes = deployment["hub"], deployment["secrets"]
    pdf = put_file(servers, deployment["connector"].bucket, PDF, name="cong-van.pdf")
    document = issued_document(board, [third], (pdf,))

    await publisher.publish(document)
    await publisher.publish(send_request(document, [third]))

    body = await waiting_document(hub, third, codes[third])
    async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
        answer = await client.get("/hub/v1/agencies", headers=hub.session(third, codes[third]))
    (entry,) = [a for a in answer.json()["agencies"] if a["code"] == board]
    certificate = certificate_from_pem(entry["certificate_pem"])
    verdict = verify_package_signature(read_package(io.BytesIO(body)), lambda code: [certificate])
    assert verdict.status is SignatureStatus.VALID, verdict.reason
    assert certificate.issuer == certificate.subject  # self-signed: the development key


def test_the_token_key_cannot_be_taken_out_of_the_token(deployment) -> None:
    key = token_key(deployment["token"], f"edxml:{deployment['ministry']}")
    assert key["extractable"] is False
    assert key["sensitive"] is True
    assert key["exponent_readable"] is False
