"""CMS SignedData with PAdES signed attributes, built by pyHanko around a raw signing function
(the token's, the simulator's), so every adapter answers the same kind of signature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asn1crypto import algos, x509
from pyhanko.sign.signers.pdf_cms import Signer as PyhankoSigner
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

RawSign = Callable[[bytes], Awaitable[bytes]]
"""Signs the DER of the signed attributes with RSA PKCS#1 v1.5 over SHA-256."""

RSA_SHA256 = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})


class RawSigner(PyhankoSigner):
    def __init__(self, certificate: x509.Certificate, raw_sign: RawSign) -> None:
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate]),  # type: ignore[no-untyped-call]
            signature_mechanism=RSA_SHA256,
            embed_roots=False,
        )
        self._raw_sign = raw_sign
        self._signature_size = certificate.public_key.bit_size // 8

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != "sha256":
            raise ValueError(f"only sha256 is signed, not {digest_algorithm}")
        if dry_run:
            return bytes(self._signature_size)
        return await self._raw_sign(data)


async def signed_data(
    certificate_der: bytes,
    raw_sign: RawSign,
    digest: bytes,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The CMS of one document digest: signed attributes for PAdES (signing-certificate-v2, no
    signing-time), and a signature timestamp when a timestamp authority is given (B-T)."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    signer = RawSigner(x509.Certificate.load(certificate_der), raw_sign)
    content = await signer.async_sign(digest, "sha256", use_pades=True, timestamper=timestamper)
    return bytes(content.dump())
