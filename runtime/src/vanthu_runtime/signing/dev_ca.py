"""A development certificate authority, made on the machine (nothing committed): it issues the
certificates of the keys that `deploy/local/signing.sh` makes in the token and of the remote
simulator's keys. Never a production CA: its key is a file under the state directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class DevCa:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def subject(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(name: str) -> DevCa:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    name_ = subject(name, "vanthu (phát triển, không dùng thật)")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name_)
        .issuer_name(name_)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return DevCa(key, certificate)


def issue(
    ca: DevCa,
    public_key: rsa.RSAPublicKey,
    common_name: str,
    organisation: str,
    *,
    timestamping: bool = False,
) -> x509.Certificate:
    """A signing certificate (digital signature, non-repudiation) for two years; with
    `timestamping`, a timestamp authority's (its one critical extended key usage, RFC 3161)."""
    now = datetime.now(UTC)
    usage = (
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
        if timestamping
        else x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION])
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject(common_name, organisation))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(usage, critical=timestamping)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )


def load_or_make_ca(folder: Path, name: str) -> DevCa:
    """The CA kept in `folder` (ca-key.pem, 0600, and ca.pem), made on the first call."""
    key_file, cert_file = folder / "ca-key.pem", folder / "ca.pem"
    if key_file.exists() and cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{key_file} is not an RSA key")
        return DevCa(key, x509.load_pem_x509_certificate(cert_file.read_bytes()))
    folder.mkdir(parents=True, exist_ok=True)
    ca = make_ca(name)
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        ca.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(ca.certificate_pem)
    return ca
