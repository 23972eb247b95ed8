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
