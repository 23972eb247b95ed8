"""The signing port's behaviour (vanthu_runtime.signing), one suite run on both adapters: the
PKCS#11 token (a real SoftHSM2 token made by deploy/local/signing.sh) and the remote signing
client against the remote signing SIMULATOR."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pkcs11 import Attribute, ObjectClass
from signing_testkit import TOKEN_LEADER, TOKEN_LEADER_NAME
from vanthu_runtime.signing import Signer, UnknownKey
from vanthu_runtime.signing.pkcs11_signer import Pkcs11Signer
from vanthu_runtime.signing.remote_signer import RemoteSigner

pytestmark = pytest.mark.integration

REMOTE_KEY = "port-suite-lanhdao"
REMOTE_NAME = "Hoàng Văn Em"


@pytest.fixture(params=["pkcs11", "remote"])
def adapter(request, signing_setup, remote_simulator) -> tuple[Signer, str, str]:
    """A signer, the key it signs with and the name its certificate carries."""
    if request.param == "pkcs11":
        env = signing_setup.env
        token = Pkcs11Signer(
            Path(env["VANTHU_SIGNING_PKCS11_MODULE"]),
            env["VANTHU_SIGNING_TOKEN_LABEL"],
            env["VANTHU_SIGNING_PIN"],
        )
        return token, TOKEN_LEADER, TOKEN_LEADER_NAME
    remote_simulator.configure(REMOTE_KEY, common_name=REMOTE_NAME, behaviour="confirm")
    return RemoteSigner(remote_simulator.url, wait_s=10, poll_s=0.1), REMOTE_KEY, REMOTE_NAME


def _dev_ca(signing_setup) -> x509.Certificate:
    return x509.load_pem_x509_certificate(
        (signing_setup.trust_dir / "vanthu-dev-ca.pem").read_bytes()
    )


async def test_the_keys_certificate_names_its_holder_and_chains_to_the_deployments_ca(
    adapter, signing_setup
) -> None:
    signer, key, name = adapter

    certificate = x509.load_der_x509_certificate(await signer.certificate(key))

    assert name in certificate.subject.rfc4514_string()
    certificate.verify_directly_issued_by(_dev_ca(signing_setup))


async def test_each_digest_comes_back_as_a_cms_over_it_signed_by_the_key(adapter) -> None:
    signer, key, _ = adapter
    digests = [hashlib.sha256(f"văn bản {i}".encode()).digest() for i in range(3)]

    signatures = await signer.sign_digests(key, digests, description="Ký thử 3 văn bản")

    public_key = x509.load_der_x509_certificate(await signer.certificate(key)).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert len(signatures) == len(digests)
    for digest, der in zip(digests, signatures, strict=True):
        content = cms.ContentInfo.load(der)
        assert content["content_type"].native == "signed_data"
        (info,) = content["content"]["signer_infos"]
        attributes = {a["type"].native: a["values"][0] for a in info["signed_attrs"]}
        assert attributes["message_digest"].native == digest
        assert "signing_certificate_v2" in attributes  # PAdES
        signed = b"\x31" + info["signed_attrs"].dump()[1:]  # DER of the SET the key signed
        public_key.verify(info["signature"].native, signed, padding.PKCS1v15(), hashes.SHA256())


async def test_many_signatures_asked_at_once_all_come_back(adapter) -> None:
    """A service signs for several callers at the same time (the exchange's steps, a leader's
    batch beside another's): each gets its signature, none a login error of the device."""
    signer, key, _ = adapter
    digests = [hashlib.sha256(f"cùng lúc {i}".encode()).digest() for i in range(8)]

    signed = await asyncio.gather(
        *(signer.sign_digests(key, [d], description="Ký cùng lúc") for d in digests),
        *(signer.certificate(key) for _ in range(4)),
    )

    assert [len(s) for s in signed[:8]] == [1] * 8
    assert len({bytes(c) for c in signed[8:]}) == 1


async def test_a_key_the_device_does_not_hold_is_refused_by_name(adapter) -> None:
    signer, _, _ = adapter

    with pytest.raises(UnknownKey) as refused:
        await signer.sign_digests("nobody-" + "x" * 8, [bytes(32)], description="")

    assert refused.value.state == "unknown_key"
    assert refused.value.key_ref.startswith("nobody-")


def test_the_tokens_private_keys_cannot_be_taken_out(signing_setup) -> None:
    env = signing_setup.env
    token = pkcs11.lib(env["VANTHU_SIGNING_PKCS11_MODULE"]).get_token(
        token_label=env["VANTHU_SIGNING_TOKEN_LABEL"]
    )
    with token.open(user_pin=env["VANTHU_SIGNING_PIN"]) as session:
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        assert {k.label for k in keys} >= {TOKEN_LEADER}
        for key in keys:
            assert key[Attribute.EXTRACTABLE] is False
            assert key[Attribute.SENSITIVE] is True
            with pytest.raises(pkcs11.exceptions.PKCS11Error):
                key[Attribute.PRIVATE_EXPONENT]
