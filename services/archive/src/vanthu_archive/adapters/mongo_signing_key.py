"""The checkpoint signing key, made on first start and kept in the archive's database.

Good enough for development and tests: production keeps the Ed25519 key in an HSM or the agency's
key device and signs there (ADR 0042). The public half is published next to the checkpoints in the
object-locked bucket, so rewriting this collection cannot make a forged checkpoint verify.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument

from vanthu_archive.domain.checkpoint import generate_signing_key

COLLECTION = "archive_signing_keys"
_KEY_ID = "checkpoint-signing"


async def load_or_create_signing_key(db: AsyncDatabase[MongoDocument]) -> Ed25519PrivateKey:
    keys = db[COLLECTION]
    found = await keys.find_one({"_id": _KEY_ID})
    if found is None:
        fresh = generate_signing_key()
        pem = fresh.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            await keys.insert_one({"_id": _KEY_ID, "private_pem": pem.decode("ascii")})
        except DuplicateKeyError:
            # Another process made the key first; use theirs.
            found = await keys.find_one({"_id": _KEY_ID})
        else:
            return fresh
    assert found is not None
    key = load_pem_private_key(found["private_pem"].encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the stored checkpoint signing key is not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
