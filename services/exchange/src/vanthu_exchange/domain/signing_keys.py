"""Per-agency package-signing keys (ADR 0031 and its addendum).

Production agencies sign with the agency's key on a USB token or HSM (ND 30 art. 32: the văn thư
keeps the agency's key device): `TokenKey`, the key ``edxml:<agency>`` behind the signing port.
Without a token (dev, tests) a self-signed RSA key and certificate are made on first use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from vanthu_runtime.signing.ports import RawSigner

from vanthu_exchange.domain.edxml import PackageSigner, RawAlgorithm


def token_key_ref(agency_code: str) -> str:
    """The label of an agency's package key in the token (deploy/local/signing.sh makes it)."""
    return f"edxml:{agency_code}"


@dataclass(frozen=True)
class TokenKey:
    """A package key inside a token, reached through the signing port: only the SignedInfo goes
    in, the bare signature comes out. Called from the package writer's thread (never from the
    event loop's: `asyncio.run` refuses that rather than block it)."""

    signer: RawSigner
    key_ref: str

    def sign(self, data: bytes, algorithm: RawAlgorithm) -> bytes:
        return asyncio.run(self.signer.sign_raw(self.key_ref, data, algorithm))


def self_signed_key(agency_code: str, *, valid_days: int = 730) -> tuple[str, str]:
    """(private key PEM, certificate PEM) for ``agency_code``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Văn thư {agency_code}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency_code),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def signer_from_pem(key_pem: str, certificate_pem: str) -> PackageSigner:
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("package signing keys are RSA keys")
    return PackageSigner.from_private_key(
        key, x509.load_pem_x509_certificate(certificate_pem.encode())
    )


def certificate_from_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def certificate_pem_from_der(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def signer_in_token(token: RawSigner, key_ref: str, certificate_pem: str) -> PackageSigner:
    """The package signer of a key the token holds, with the certificate the token keeps."""
    return PackageSigner(TokenKey(token, key_ref), certificate_from_pem(certificate_pem))
