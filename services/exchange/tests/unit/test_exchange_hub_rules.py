"""The hub's rules without servers: routes, loops, one delivery per document and recipient."""

from __future__ import annotations

import pytest
from vanthu_exchange.domain.hub import (
    DeliveryState,
    HubRefusal,
    PackageKind,
    check_idempotency_key,
    check_sender_hosted,
    delivery_id,
    document_dedup_subject,
    hash_secret,
    plan_routes,
    secret_matches,
)

MINISTRY, PROVINCE, PARTY = "000.00.00.G09", "000.00.00.H41", "000.00.00.A80"


def test_recipients_hosted_here_wait_for_their_system_and_others_go_to_the_peer_hub() -> None:
    routes = plan_routes(
        [PROVINCE, PARTY], {PROVINCE: "sys-h41"}, {PARTY: "party-hub"}, ["gov-hub"]
    )

    assert [(r.agency_code, r.system_id, r.peer_hub, r.state) for r in routes] == [
        (PROVINCE, "sys-h41", None, DeliveryState.PENDING),
        (PARTY, None, "party-hub", DeliveryState.FORWARDING),
    ]


def test_a_recipient_named_twice_gets_one_delivery() -> None:
    assert len(plan_routes([PROVINCE, PROVINCE], {PROVINCE: "s"}, {}, [])) == 1


def test_an_unknown_recipient_is_refused_by_name() -> None:
    with pytest.raises(HubRefusal) as refused:
        plan_routes([PROVINCE, "000.00.00.H99"], {PROVINCE: "s"}, {}, [])

    assert refused.value.field == "To/OrganId"
    assert "000.00.00.H99" in refused.value.reason


def test_a_package_is_never_forwarded_back_to_a_hub_that_already_handled_it() -> None:
    with pytest.raises(HubRefusal) as refused:
        plan_routes([PARTY], {}, {PARTY: "party-hub"}, ["party-hub", "gov-hub"])

    assert refused.value.status == 409
    assert "loop" in refused.value.reason


def test_the_same_document_to_the_same_recipient_always_has_the_same_delivery_id() -> None:
    subject = document_dedup_subject(MINISTRY, "000.00.00.G09,2026/11/20,15/BNV-VP", 0)

    first = delivery_id(PackageKind.EDOC, subject, PROVINCE)

    assert first == delivery_id(PackageKind.EDOC, subject, PROVINCE)
    assert first != delivery_id(PackageKind.EDOC, subject, PARTY)
    revocation = document_dedup_subject(MINISTRY, "000.00.00.G09,2026/11/20,15/BNV-VP", 1)
    assert first != delivery_id(PackageKind.EDOC, revocation, PROVINCE)


def test_secrets_are_kept_as_salted_hashes_that_only_the_right_secret_matches() -> None:
    stored = hash_secret("mật-khẩu-liên-thông-2026")

    assert "mật-khẩu" not in stored
    assert stored != hash_secret("mật-khẩu-liên-thông-2026")
    assert secret_matches("mật-khẩu-liên-thông-2026", stored)
    assert not secret_matches("mật-khẩu-liên-thông-2027", stored)
    assert not secret_matches("anything", "plain-text")


def test_missing_idempotency_keys_are_refused_naming_the_field() -> None:
    with pytest.raises(HubRefusal, match="Idempotency-Key"):
        check_idempotency_key(None)


def test_a_system_sends_only_for_its_own_agencies() -> None:
    check_sender_hosted(MINISTRY, [MINISTRY], "sys")
    with pytest.raises(HubRefusal) as refused:
        check_sender_hosted(PROVINCE, [MINISTRY], "sys")
    assert refused.value.field == "From/OrganId"
