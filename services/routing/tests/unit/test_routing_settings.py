"""What an operator sets in the environment, and what the deployment does with it."""

from __future__ import annotations

import pytest
from vanthu_routing.config import RoutingSettings


def test_a_deployment_serves_the_agencies_listed_in_its_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("VANTHU_ROUTING_SERVED_AGENCIES", "000.00.00.H41, 000.00.00.H42")

    settings = RoutingSettings()

    assert settings.serves("000.00.00.H41")
    assert settings.serves("000.00.00.H42")
    assert not settings.serves("000.00.00.G22")


def test_a_star_serves_every_agency(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VANTHU_ROUTING_SERVED_AGENCIES", "*")

    assert RoutingSettings().serves("123.45.67.H89")


def test_without_configuration_the_demo_agency_of_make_run_is_served(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("VANTHU_ROUTING_SERVED_AGENCIES", raising=False)

    settings = RoutingSettings()

    assert settings.serves("000.00.00.G22")
    assert not settings.serves("000.00.00.H41")


def test_deployments_on_different_databases_never_share_a_consumer_group(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("VANTHU_ROUTING_CONSUMER_GROUP_PREFIX", raising=False)
    settings = RoutingSettings()

    assert settings.cases_group_for("vanthu") == "routing-vanthu-cases"
    assert settings.cases_group_for("vanthu") != settings.cases_group_for("vanthu_staging")


def test_an_explicit_group_prefix_wins(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VANTHU_ROUTING_CONSUMER_GROUP_PREFIX", "routing-blue")

    assert RoutingSettings().cases_group_for("vanthu") == "routing-blue-cases"
