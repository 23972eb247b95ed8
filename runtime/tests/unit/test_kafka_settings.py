"""The broker's login as a service reads it from its environment (ADR 0005 addendum)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from vanthu_runtime.kafka_clients import client_login, kcat_options, sasl_login
from vanthu_runtime.settings import KafkaSettings

LOGIN = {
    "VANTHU_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
    "VANTHU_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "VANTHU_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
    "VANTHU_KAFKA_USERNAME": "intake",
    "VANTHU_KAFKA_PASSWORD": "s3cret",
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    for name in LOGIN:
        monkeypatch.delenv(name, raising=False)

    def set_env(**names: str) -> None:
        for name, value in names.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_a_service_signs_in_with_the_login_of_its_environment(environment) -> None:
    environment(**LOGIN)
    options = client_login(KafkaSettings())
    assert options == {
        "bootstrap_servers": "127.0.0.1:19092",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "intake",
        "sasl_plain_password": "s3cret",
    }
    login = sasl_login(KafkaSettings())
    assert login is not None
    assert (login.mechanism, login.username, login.password) == (
        "SCRAM-SHA-256",
        "intake",
        "s3cret",
    )


@pytest.mark.parametrize("missing", ["VANTHU_KAFKA_USERNAME", "VANTHU_KAFKA_PASSWORD"])
def test_a_sasl_protocol_without_a_user_or_password_is_refused_naming_it(
    environment, missing: str
) -> None:
    environment(**{k: v for k, v in LOGIN.items() if k != missing})
    with pytest.raises(ValidationError, match=missing):
        KafkaSettings()


def test_an_unknown_mechanism_is_refused(environment) -> None:
    environment(**LOGIN | {"VANTHU_KAFKA_SASL_MECHANISM": "GSSAPI"})
    with pytest.raises(ValidationError, match="sasl_mechanism"):
        KafkaSettings()


def test_an_open_broker_needs_no_login(environment) -> None:
    environment(VANTHU_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092")
    settings = KafkaSettings()
    assert client_login(settings) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert sasl_login(settings) is None
    assert kcat_options(settings) == ["-b", "127.0.0.1:9092"]


def test_kcat_gets_the_same_login(environment) -> None:
    environment(**LOGIN)
    assert kcat_options(KafkaSettings()) == [
        "-b",
        "127.0.0.1:19092",
        *("-X", "security.protocol=SASL_PLAINTEXT"),
        *("-X", "sasl.mechanisms=SCRAM-SHA-256"),
        *("-X", "sasl.username=intake"),
        *("-X", "sasl.password=s3cret"),
    ]


def test_the_password_is_not_shown_in_the_settings(environment) -> None:
    environment(**LOGIN)
    assert "s3cret" not in repr(KafkaSettings())
