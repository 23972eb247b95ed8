"""The exchange worker's consumer groups belong to its deployment (README, ADR 0049 addendum)."""

from __future__ import annotations

from vanthu_exchange.config import ExchangeSettings
from vanthu_exchange.connector_wiring import connector_groups, no_connector_group

AGENCY = "000.00.00.G22"


def connector(**extra: object) -> ExchangeSettings:
    return ExchangeSettings(hub_url="http://hub", system_id=AGENCY, system_secret="s" * 32, **extra)


def test_two_deployments_of_one_agency_on_one_broker_never_share_a_connector_group():
    make_run = connector_groups(connector(), "vanthu")
    test_session = connector_groups(connector(), "test_4f2a")

    assert set(make_run).isdisjoint(test_session)
    assert make_run == (
        f"exchange-vanthu-{AGENCY}-documents",
        f"exchange-vanthu-{AGENCY}-outbound",
    )


def test_two_agencies_of_one_database_keep_groups_of_their_own():
    deployment = connector_groups(connector(), "vanthu")
    partner = connector_groups(
        ExchangeSettings(hub_url="http://hub", system_id="000.00.00.H49", system_secret="s"),
        "vanthu",
    )

    assert set(deployment).isdisjoint(partner)


def test_a_pinned_prefix_names_every_group_of_the_worker():
    pinned = connector(consumer_group_prefix="exchange-pinned")

    assert connector_groups(pinned, "vanthu") == (
        "exchange-pinned-documents",
        "exchange-pinned-outbound",
    )
    assert no_connector_group(pinned, "vanthu") == "exchange-pinned-no-connector"


def test_the_answerer_without_a_connector_keeps_its_group_of_the_database():
    assert no_connector_group(ExchangeSettings(), "vanthu") == "exchange-no-connector-vanthu"
    assert no_connector_group(ExchangeSettings(), "test_4f2a") != no_connector_group(
        ExchangeSettings(), "vanthu"
    )
