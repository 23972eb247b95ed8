"""Signed checkpoints: the heads of every partition's chain at one moment, under one signature.

A checkpoint lists ``{(topic, partition): (offset, hash)}``, sorted by (topic, partition), and
commits to them with a Merkle tree built the RFC 6962 / RFC 9162 way:

    leaf_hash(head) = SHA-256(0x00 || text(topic) || i64(partition) || i64(offset) || hash)
    node_hash(l, r) = SHA-256(0x01 || l || r)
    root of no heads = SHA-256("")

The distinct 0x00 / 0x01 prefixes keep a leaf from ever passing for an inner node. An inclusion
proof shows one partition's head is in a root without handing out the other heads, which lets an
auditor of one topic check it against a checkpoint published for all of them.

The signed form is canonical JSON (see ``canonical_encoding``)::

    {"checkpoint": {"format": "vanthu.archive.checkpoint.v1", "key_id": ..., "taken_at": ...,
                    "tree_size": n, "root": hex, "heads": [{"topic", "partition", "offset",
                    "hash": hex}, ...]},
     "signature": base64(Ed25519 over the canonical JSON bytes of "checkpoint")}

Keys are passed in by the caller and never kept here: where the private key lives (a file, an
HSM, the agency's key device) is the composition root's business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from vanthu_archive.domain import canonical_encoding as enc
from vanthu_archive.domain.errors import ArchiveDomainError
from vanthu_archive.domain.hashchain import HASH_SIZE, PartitionHead, TopicPartition

CHECKPOINT_FORMAT = "vanthu.archive.checkpoint.v1"
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_BODY_KEYS = frozenset({"format", "key_id", "taken_at", "tree_size", "root", "heads"})
_HEAD_KEYS = frozenset({"topic", "partition", "offset", "hash"})


class CheckpointRejected(ArchiveDomainError):
    """A serialized checkpoint cannot be trusted; the message says why."""


class PartitionNotInCheckpoint(ArchiveDomainError):
    """An inclusion proof was asked for a partition the checkpoint does not list."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    taken_at: datetime
    heads: tuple[PartitionHead, ...]

    def __post_init__(self) -> None:
        enc.require_aware(self.taken_at, "a checkpoint time")
        # Milliseconds are all the JSON form keeps; truncating here makes a round trip exact.
        truncated = self.taken_at.astimezone(UTC)
        truncated = truncated.replace(microsecond=truncated.microsecond // 1000 * 1000)
        object.__setattr__(self, "taken_at", truncated)
        positions = [head.topic_partition for head in self.heads]
        if positions != sorted(set(positions)):
            raise ValueError(
                "checkpoint heads must be sorted by (topic, partition), one per partition"
            )

    @property
    def root(self) -> bytes:
        return merkle_root([leaf_hash(head) for head in self.heads])

    def head(self, topic: str, partition: int) -> PartitionHead | None:
        for head in self.heads:
            if head.topic_partition == (topic, partition):
                return head
        return None


def take_checkpoint(heads: Iterable[PartitionHead], taken_at: datetime) -> Checkpoint:
    ordered = sorted(heads, key=lambda head: head.topic_partition)
    positions = [head.topic_partition for head in ordered]
    if len(positions) != len(set(positions)):
        raise ValueError("a checkpoint holds one head per partition")
    return Checkpoint(taken_at=taken_at, heads=tuple(ordered))


# --- Merkle tree (RFC 6962 §2.1, verification as in RFC 9162 §2.1.3.2) -------------------------


def leaf_hash(head: PartitionHead) -> bytes:
    data = enc.text(head.topic) + enc.i64(head.partition) + enc.i64(head.offset) + head.hash
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    count = len(leaf_hashes)
    if count == 0:
        return hashlib.sha256(b"").digest()
    if count == 1:
        return leaf_hashes[0]
    split = _largest_power_of_two_below(count)
    return node_hash(merkle_root(leaf_hashes[:split]), merkle_root(leaf_hashes[split:]))


def _largest_power_of_two_below(count: int) -> int:
    return 1 << ((count - 1).bit_length() - 1)


def _audit_path(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    count = len(leaf_hashes)
    if count <= 1:
        return []
    split = _largest_power_of_two_below(count)
    if index < split:
        return [*_audit_path(index, leaf_hashes[:split]), merkle_root(leaf_hashes[split:])]
    return [*_audit_path(index - split, leaf_hashes[split:]), merkle_root(leaf_hashes[:split])]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Evidence that one partition head is among the leaves of a checkpoint's root."""

    head: PartitionHead
    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]


def inclusion_proof(checkpoint: Checkpoint, topic: str, partition: int) -> InclusionProof:
    positions = [head.topic_partition for head in checkpoint.heads]
    wanted = TopicPartition(topic, partition)
    if wanted not in positions:
        raise PartitionNotInCheckpoint(
            f"the checkpoint of {_format_instant(checkpoint.taken_at)} has no head for {wanted}"
        )
    index = positions.index(wanted)
    leaves = [leaf_hash(head) for head in checkpoint.heads]
    return InclusionProof(
        head=checkpoint.heads[index],
        leaf_index=index,
        tree_size=len(leaves),
        path=tuple(_audit_path(index, leaves)),
    )


def verify_inclusion(proof: InclusionProof, root: bytes) -> bool:
    if not 0 <= proof.leaf_index < proof.tree_size:
        return False
    index, last = proof.leaf_index, proof.tree_size - 1
    running = leaf_hash(proof.head)
    for sibling in proof.path:
        if last == 0:
            return False
        if index & 1 or index == last:
            running = node_hash(sibling, running)
            # A right-edge node with no sibling at this level is promoted unchanged.
            while not index & 1 and index != 0:
                index >>= 1
                last >>= 1
        else:
            running = node_hash(running, sibling)
        index >>= 1
        last >>= 1
    return last == 0 and hmac.compare_digest(running, root)


# --- Signing -------------------------------------------------------------------------------------


def generate_signing_key() -> Ed25519PrivateKey:
    """A fresh key, for tests and first-run provisioning; the domain never stores it."""
    return Ed25519PrivateKey.generate()


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 128 bits of SHA-256 of the raw public key, hex: names the key in a checkpoint."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    key_id: str
    signature: bytes

    def to_json(self) -> bytes:
        return enc.canonical_json(
            {
                "checkpoint": _body(self.checkpoint, self.key_id),
                "signature": base64.b64encode(self.signature).decode("ascii"),
            }
        )


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> SignedCheckpoint:
    signer_id = key_id(private_key.public_key())
    signature = private_key.sign(enc.canonical_json(_body(checkpoint, signer_id)))
    return SignedCheckpoint(checkpoint=checkpoint, key_id=signer_id, signature=signature)


def verify_signed_checkpoint(data: bytes, public_key: Ed25519PublicKey) -> Checkpoint:
    """Return the checkpoint if ``public_key`` signed exactly it and its root matches its heads."""
    document = _parse_strict_json(data)
    body, signature = _split_signed(document)
    if body.get("key_id") != key_id(public_key):
        raise CheckpointRejected(
            f"signed by key {body.get('key_id')!r}, not by the key given ({key_id(public_key)})"
        )
    try:
        public_key.verify(signature, enc.canonical_json(body))
    except InvalidSignature as error:
        raise CheckpointRejected("the signature does not match the checkpoint's content") from error
    checkpoint = _checkpoint_from_body(body)
    if body["tree_size"] != len(checkpoint.heads):
        raise CheckpointRejected("tree_size does not match the number of heads")
    if body["root"] != checkpoint.root.hex():
        raise CheckpointRejected("the Merkle root does not match the heads it claims to cover")
    return checkpoint


def _body(checkpoint: Checkpoint, signer_id: str) -> dict[str, Any]:
    return {
        "format": CHECKPOINT_FORMAT,
        "key_id": signer_id,
        "taken_at": _format_instant(checkpoint.taken_at),
        "tree_size": len(checkpoint.heads),
        "root": checkpoint.root.hex(),
        "heads": [
            {
                "topic": head.topic,
                "partition": head.partition,
                "offset": head.offset,
                "hash": head.hash.hex(),
            }
            for head in checkpoint.heads
        ],
    }


def _format_instant(moment: datetime) -> str:
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return f"{utc.isoformat(timespec='milliseconds')}Z"


def _parse_strict_json(data: bytes) -> Any:
    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise CheckpointRejected("a key appears twice in one JSON object")
        return dict(pairs)

    def refuse_number(token: str) -> Any:
        raise CheckpointRejected(f"{token} has no place in a checkpoint")

    try:
        return json.loads(
            data.decode("utf-8"),
            object_pairs_hook=refuse_duplicates,
            parse_float=refuse_number,
            parse_constant=refuse_number,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointRejected(f"not a JSON checkpoint: {error}") from error


def _split_signed(document: Any) -> tuple[dict[str, Any], bytes]:
    if not isinstance(document, dict) or set(document) != {"checkpoint", "signature"}:
        raise CheckpointRejected("expected an object with exactly 'checkpoint' and 'signature'")
    body, encoded = document["checkpoint"], document["signature"]
    if not isinstance(body, dict) or set(body) != _BODY_KEYS:
        raise CheckpointRejected(
            f"the checkpoint must have exactly the fields {sorted(_BODY_KEYS)}"
        )
    if body["format"] != CHECKPOINT_FORMAT:
        raise CheckpointRejected(f"unknown checkpoint format {body['format']!r}")
    if not isinstance(encoded, str):
        raise CheckpointRejected("the signature must be a base64 string")
    try:
        return body, base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise CheckpointRejected("the signature is not valid base64") from error


def _checkpoint_from_body(body: dict[str, Any]) -> Checkpoint:
    heads = body["heads"]
    if not isinstance(heads, list):
        raise CheckpointRejected("heads must be a list")
    try:
        return Checkpoint(
            taken_at=_parse_instant(body["taken_at"]),
            heads=tuple(_head_from_json(item) for item in heads),
        )
    except ValueError as error:
        raise CheckpointRejected(str(error)) from error


def _head_from_json(item: Any) -> PartitionHead:
    if not isinstance(item, dict) or set(item) != _HEAD_KEYS:
        raise CheckpointRejected(f"each head must have exactly the fields {sorted(_HEAD_KEYS)}")
    topic, partition, offset, digest = (
        item[key] for key in ("topic", "partition", "offset", "hash")
    )
    # bool is an int in Python; a JSON true must not pass for partition 1.
    if not isinstance(topic, str) or type(partition) is not int or type(offset) is not int:
        raise CheckpointRejected("a head needs a string topic and integer partition and offset")
    if not isinstance(digest, str) or len(digest) != 2 * HASH_SIZE:
        raise CheckpointRejected(f"the hash of {topic}[{partition}] must be 64 hex digits")
    return PartitionHead(topic, partition, offset, bytes.fromhex(digest))


def _parse_instant(value: Any) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise CheckpointRejected("taken_at must be an RFC 3339 UTC time ending in Z")
    moment = datetime.fromisoformat(value[:-1])
    if moment.tzinfo is not None:
        raise CheckpointRejected("taken_at must be in UTC, written with a single Z")
    return moment.replace(tzinfo=UTC)
