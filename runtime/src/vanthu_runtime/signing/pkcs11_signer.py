"""The Signer of keys inside a PKCS#11 token (python-pkcs11): an HSM or a USB token in
production, SoftHSM2 locally (`deploy/local/signing.sh`). A key is named by its label; its
certificate is the token's certificate object of the same label. The private key never leaves
the token: only the signed attributes' DER goes in, a raw RSA signature comes out."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pkcs11
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11.exceptions import NoSuchKey, PKCS11Error
from pyhanko.sign.timestamps import TimeStamper

from vanthu_runtime.signing.cms import signed_data
from vanthu_runtime.signing.ports import RawAlgorithm, SigningFailed, UnknownKey

_MECHANISMS: dict[str, Mechanism] = {
    "rsa-sha256": Mechanism.SHA256_RSA_PKCS,
    "rsa-sha1": Mechanism.SHA1_RSA_PKCS,
}


class Pkcs11Signer:
    def __init__(
        self,
        module: Path,
        token_label: str,
        pin: str,
        timestamper: TimeStamper | None = None,
    ) -> None:
        self._lib: Any = pkcs11.lib(str(module))
        self._token_label = token_label
        self._pin = pin
        self._timestamper = timestamper
        self._certificates: dict[str, bytes] = {}
        self._one_at_a_time = threading.Lock()

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """A logged-in session, one at a time: PKCS#11 logs in per application, not per session,
        so a second login while another session of this process is open fails
        (CKR_USER_ALREADY_LOGGED_IN) and closing the last session logs out."""
        with self._one_at_a_time:
            token = self._lib.get_token(token_label=self._token_label)
            with token.open(user_pin=self._pin) as session:
                yield session

    def _read_certificate(self, key_ref: str) -> bytes:
        with self._session() as session:
            found = list(
                session.get_objects(
                    {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: key_ref}
                )
            )
            if not found:
                raise UnknownKey(key_ref, "the token holds no certificate of this key")
            return bytes(found[0][Attribute.VALUE])

    def _sign_raw(
        self, key_ref: str, data: bytes, mechanism: Mechanism = Mechanism.SHA256_RSA_PKCS
    ) -> bytes:
        with self._session() as session:
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key_ref)
            except NoSuchKey as exc:
                raise UnknownKey(key_ref, "the token holds no private key of this name") from exc
            try:
                return bytes(key.sign(data, mechanism=mechanism))
            except PKCS11Error as exc:
                raise SigningFailed(key_ref, f"the token did not sign: {exc!r}") from exc

    async def certificate(self, key_ref: str) -> bytes:
        if key_ref not in self._certificates:
            self._certificates[key_ref] = await asyncio.to_thread(self._read_certificate, key_ref)
        return self._certificates[key_ref]

    async def sign_raw(self, key_ref: str, data: bytes, algorithm: RawAlgorithm) -> bytes:
        """RSA PKCS#1 v1.5 of `data` hashed in the token (CKM_SHA256_RSA_PKCS, or
        CKM_SHA1_RSA_PKCS for the SDK's profile): an XML-DSig SignatureValue."""
        mechanism = _MECHANISMS.get(algorithm)
        if mechanism is None:
            raise SigningFailed(key_ref, f"no raw signature {algorithm!r}")
        return await asyncio.to_thread(self._sign_raw, key_ref, data, mechanism)

    async def sign_digests(
        self, key_ref: str, digests: Sequence[bytes], *, description: str
    ) -> list[bytes]:
        # A token has no confirmation of its own: the PIN is the holder's consent, given once
        # when the service was configured with it (the holder's device in production).
        certificate = await self.certificate(key_ref)

        async def raw_sign(data: bytes) -> bytes:
            return await asyncio.to_thread(self._sign_raw, key_ref, data)

        return [
            await signed_data(certificate, raw_sign, digest, self._timestamper)
            for digest in digests
        ]
