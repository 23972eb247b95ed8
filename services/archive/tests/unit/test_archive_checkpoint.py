"""Signed checkpoints of the partition heads, and proofs that one head is in them."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from vanthu_archive.domain.canonical_encoding import canonical_json
from vanthu_archive.domain.checkpoint import (
    CheckpointRejected,
    PartitionNotInCheckpoint,
    generate_signing_key,
    inclusion_proof,
    leaf_hash,
    node_hash,
    sign_checkpoint,
    take_checkpoint,
    verify_inclusion,
    verify_signed_checkpoint,
)
from vanthu_archive.domain.hashchain import (
    ChainedRecord,
    PartitionHead,
    StoredRecord,
    append_record,
    genesis_hash,
    head_of,
    verify_chain,
)

TAKEN_AT = datetime(2025, 3, 5, 10, 0, 0, 123_456, tzinfo=UTC)


def head(topic: str, partition: int, offset: int = 10) -> PartitionHead:
    digest = hashlib.sha256(f"{topic}/{partition}/{offset}".encode()).digest()
    return PartitionHead(topic, partition, offset, digest)


def heads(count: int) -> list[PartitionHead]:
    return [head(f"topic-{index // 3}", index % 3, offset=index * 7) for index in range(count)]


def test_a_signed_checkpoint_verifies_and_gives_back_the_same_heads() -> None:
    key = generate_signing_key()
    checkpoint = take_checkpoint(heads(5), TAKEN_AT)

    restored = verify_signed_checkpoint(
        sign_checkpoint(checkpoint, key).to_json(), key.public_key()
    )

    assert restored == checkpoint
    assert restored.taken_at == datetime(2025, 3, 5, 10, 0, 0, 123_000, tzinfo=UTC)


def test_heads_are_ordered_by_topic_and_partition_whatever_order_they_come_in() -> None:
    checkpoint = take_checkpoint(
        [head("task.assigned", 1), head("document.received", 2), head("document.received", 0)],
        TAKEN_AT,
    )

    assert [(h.topic, h.partition) for h in checkpoint.heads] == [
        ("document.received", 0),
        ("document.received", 2),
        ("task.assigned", 1),
    ]
    with pytest.raises(ValueError, match="one head per partition"):
        take_checkpoint([head("a", 0, 1), head("a", 0, 2)], TAKEN_AT)


def test_changing_a_head_in_a_published_checkpoint_is_rejected() -> None:
    key = generate_signing_key()
    document = json.loads(sign_checkpoint(take_checkpoint(heads(4), TAKEN_AT), key).to_json())
    document["checkpoint"]["heads"][2]["offset"] += 1

    with pytest.raises(CheckpointRejected, match="signature"):
        verify_signed_checkpoint(json.dumps(document).encode(), key.public_key())


def test_a_checkpoint_signed_by_another_key_is_rejected() -> None:
    signed = sign_checkpoint(take_checkpoint(heads(2), TAKEN_AT), generate_signing_key())

    with pytest.raises(CheckpointRejected, match="not by the key given"):
        verify_signed_checkpoint(signed.to_json(), generate_signing_key().public_key())


def test_a_root_that_does_not_cover_the_heads_is_rejected_even_when_signed() -> None:
    key = generate_signing_key()
    document = json.loads(sign_checkpoint(take_checkpoint(heads(3), TAKEN_AT), key).to_json())
    body = document["checkpoint"]
    body["root"] = hashlib.sha256(b"something else").hexdigest()
    forged = {
        "checkpoint": body,
        "signature": base64.b64encode(key.sign(canonical_json(body))).decode(),
    }

    with pytest.raises(CheckpointRejected, match="Merkle root"):
        verify_signed_checkpoint(json.dumps(forged).encode(), key.public_key())


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"checkpoint": {}, "signature": "AA=="}',
        b'{"checkpoint": {}, "checkpoint": {}, "signature": "AA=="}',
        b'{"checkpoint": 1.5, "signature": "AA=="}',
        b"\xff\xfe",
    ],
    ids=["not json", "array", "empty body", "duplicate key", "float", "not utf-8"],
)
def test_malformed_checkpoints_are_rejected_with_a_reason(data: bytes) -> None:
    with pytest.raises(CheckpointRejected):
        verify_signed_checkpoint(data, generate_signing_key().public_key())


def test_the_merkle_root_is_built_as_rfc_6962_describes() -> None:
    three = heads(3)
    leaves = [leaf_hash(h) for h in three]

    root = take_checkpoint(three, TAKEN_AT).root

    assert root == node_hash(node_hash(leaves[0], leaves[1]), leaves[2])
    first, topic = three[0], three[0].topic.encode()
    leaf_data = (
        len(topic).to_bytes(4, "big")
        + topic
        + first.partition.to_bytes(8, "big")
        + first.offset.to_bytes(8, "big")
        + first.hash
    )
    assert leaves[0] == hashlib.sha256(b"\x00" + leaf_data).digest()
    assert (
        node_hash(leaves[0], leaves[1]) == hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    )
    assert take_checkpoint([], TAKEN_AT).root == hashlib.sha256(b"").digest()
    assert take_checkpoint(three[:1], TAKEN_AT).root == leaves[0]


@pytest.mark.parametrize("size", range(1, 18))
def test_every_partition_head_can_be_proven_to_be_in_the_checkpoint(size: int) -> None:
    checkpoint = take_checkpoint(heads(size), TAKEN_AT)
    root = checkpoint.root

    for item in checkpoint.heads:
        proof = inclusion_proof(checkpoint, item.topic, item.partition)
        assert verify_inclusion(proof, root)


@pytest.mark.parametrize("size", [2, 5, 8, 13])
def test_an_inclusion_proof_fails_for_a_changed_head_or_another_root(size: int) -> None:
    checkpoint = take_checkpoint(heads(size), TAKEN_AT)
    other_root = take_checkpoint(heads(size + 1), TAKEN_AT).root

    for item in checkpoint.heads:
        proof = inclusion_proof(checkpoint, item.topic, item.partition)
        moved = dataclasses.replace(proof, head=dataclasses.replace(item, offset=item.offset + 1))
        misplaced = dataclasses.replace(proof, leaf_index=(proof.leaf_index + 1) % size)
        assert not verify_inclusion(moved, checkpoint.root)
        assert not verify_inclusion(proof, other_root)
        assert not verify_inclusion(misplaced, checkpoint.root)


def test_no_proof_is_given_for_a_partition_the_checkpoint_does_not_list() -> None:
    checkpoint = take_checkpoint(heads(3), TAKEN_AT)

    with pytest.raises(PartitionNotInCheckpoint, match=r"exchange.status\[0\]"):
        inclusion_proof(checkpoint, "exchange.status", 0)


def test_rewriting_history_and_rehashing_the_chain_is_exposed_by_the_last_checkpoint() -> None:
    key = generate_signing_key()
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def consumed(offset: int, value: bytes) -> StoredRecord:
        moment = start + timedelta(minutes=offset)
        return StoredRecord("decision.recorded", 0, offset, moment, b"doc-1", value, (), moment)

    def chain(values: list[bytes]) -> list[ChainedRecord]:
        chained: list[ChainedRecord] = []
        for offset, value in enumerate(values):
            chained.append(
                append_record(head_of(chained[-1]) if chained else None, consumed(offset, value))
            )
        return chained

    genuine = chain([b'{"text": "giao Vu Phap che chu tri"}', b'{"text": "hoan thanh"}'])
    published = sign_checkpoint(take_checkpoint([head_of(genuine[-1])], start), key).to_json()
    rewritten = chain([b'{"text": "giao Van phong chu tri"}', b'{"text": "hoan thanh"}'])

    assert verify_chain(rewritten, genesis_hash("decision.recorded", 0)).intact
    trusted = verify_signed_checkpoint(published, key.public_key()).head("decision.recorded", 0)
    assert trusted is not None
    assert trusted.hash != head_of(rewritten[-1]).hash
    assert trusted.hash == head_of(genuine[-1]).hash
