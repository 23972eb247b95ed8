"""The one place aiokafka clients are made: producers, consumers and admin clients carry the
broker's login from `KafkaSettings` (SASL/SCRAM, ADR 0005 addendum), so no client of the code, the
tests or the benches can forget it. Faust's app and kcat get the same login in their own terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from vanthu_runtime.settings import KafkaSettings


def client_login(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka's keyword arguments for the broker's address and login."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.signs_in:
        options |= {
            "sasl_mechanism": settings.sasl_mechanism,
            "sasl_plain_username": settings.username,
            "sasl_plain_password": settings.password.get_secret_value(),
        }
    return options


def create_producer(settings: KafkaSettings, **options: Any) -> AIOKafkaProducer:
    return AIOKafkaProducer(**client_login(settings), **options)


def create_consumer(settings: KafkaSettings, *topics: str, **options: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*topics, **client_login(settings), **options)


def create_admin(settings: KafkaSettings, **options: Any) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**client_login(settings), **options)


@dataclass(frozen=True)
class SaslLogin:
    """A login for clients that take it as parts (Faust's `SASLCredentials`)."""

    mechanism: str
    username: str
    password: str


def sasl_login(settings: KafkaSettings) -> SaslLogin | None:
    if not settings.signs_in:
        return None
    return SaslLogin(
        settings.sasl_mechanism, settings.username, settings.password.get_secret_value()
    )


def kcat_options(settings: KafkaSettings) -> list[str]:
    """kcat's (librdkafka's) arguments for the broker's address and login."""
    options = ["-b", settings.bootstrap_servers]
    if settings.signs_in:
        options += [
            *("-X", f"security.protocol={settings.security_protocol}"),
            *("-X", f"sasl.mechanisms={settings.sasl_mechanism}"),
            *("-X", f"sasl.username={settings.username}"),
            *("-X", f"sasl.password={settings.password.get_secret_value()}"),
        ]
    return options
