"""The signing port: a key, named by a reference, signs SHA-256 digests and answers CMS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, Protocol

RawAlgorithm = Literal["rsa-sha256", "rsa-sha1"]
"""RSA PKCS#1 v1.5 over SHA-256, or over SHA-1 (the VPCP SDK's XML-DSig profile only)."""


class SigningFailed(Exception):
    """Nothing was signed; `state` says why in one word the API and the records keep."""

    state: ClassVar[str] = "failed"

    def __init__(self, key_ref: str, reason: str) -> None:
        self.key_ref = key_ref
        self.reason = reason
        super().__init__(f"{key_ref}: {reason}")


class SigningRejected(SigningFailed):
    state = "rejected"


class SigningTimedOut(SigningFailed):
    state = "timed_out"


class CertificateRevoked(SigningFailed):
    state = "certificate_revoked"


class UnknownKey(SigningFailed):
    state = "unknown_key"


class SigningNotConfigured(SigningFailed):
    """This deployment has no device for the key (no token, no remote provider configured)."""

    state = "not_configured"


class Signer(Protocol):
    """Signs with keys that never leave their device (a token, an HSM, a CA's remote service)."""

    async def certificate(self, key_ref: str) -> bytes:
        """The DER certificate of the key."""
        ...

    async def sign_digests(
        self, key_ref: str, digests: Sequence[bytes], *, description: str
    ) -> list[bytes]:
        """One CMS SignedData (DER, detached, PAdES signed attributes) per SHA-256 digest, in
        order, for one confirmation of the key's holder where the device asks for one.
        `description` is what the holder is shown. Raises a `SigningFailed`."""
        ...


class RawSigner(Protocol):
    """Signs bytes as they are (an XML-DSig SignedInfo), with keys that never leave their device:
    the answer is the bare PKCS#1 v1.5 signature, no CMS around it (issue 16 item 11)."""

    async def certificate(self, key_ref: str) -> bytes:
        """The DER certificate of the key."""
        ...

    async def sign_raw(self, key_ref: str, data: bytes, algorithm: RawAlgorithm) -> bytes:
        """The signature of `data` (the device hashes it). Raises a `SigningFailed`."""
        ...
