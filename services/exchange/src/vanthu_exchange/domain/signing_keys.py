"""Per-agency package-signing keys for local and development use (ADR 0031).

Production agencies sign with the agency's key on a USB token or HSM (ND 30 art. 32: the văn thư
keeps the agency's key device); here a self-signed RSA key and certificate are made on first use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vanthu_exchange.domain.edxml import PackageSigner


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
    return PackageSigner(
        private_key=key, certificate=x509.load_pem_x509_certificate(certificate_pem.encode())
    )


def certificate_from_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())
