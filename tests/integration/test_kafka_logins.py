"""Kafka has logins (issue 16 item 11, ADR 0005 addendum): the broker of a new state folder refuses
a client without a login or with a wrong password, and each service signs in as itself and
produces and consumes its events. On the private servers, whose state folder is new."""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import NewTopic
from aiokafka.errors import KafkaConnectionError
from harness.private_servers import PrivateServers
from harness.servers import kafka_settings_of
from pydantic import SecretStr
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer
from vanthu_runtime.settings import KafkaSettings

SERVICES = ("intake", "routing", "exchange", "archive")


def _service_kafka(private_servers: PrivateServers, service: str) -> KafkaSettings:
    lines = private_servers.infra("service-env", service).splitlines()
    own = dict(line.split("=", 1) for line in lines if "=" in line)
    bootstrap = private_servers.kafka_settings().bootstrap_servers
    return kafka_settings_of({**own, "VANTHU_KAFKA_BOOTSTRAP_SERVERS": bootstrap})


async def _topic(private_servers: PrivateServers) -> str:
    name = f"logins.{secrets.token_hex(4)}"
    admin = create_admin(private_servers.kafka_settings())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def test_the_broker_refuses_a_client_without_a_login(private_servers: PrivateServers) -> None:
    admin = private_servers.kafka_settings()
    assert admin.signs_in, "a new state folder's Kafka has logins"
    anonymous = KafkaSettings(
        bootstrap_servers=admin.bootstrap_servers, security_protocol="PLAINTEXT"
    )
    producer = create_producer(anonymous, request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()


async def test_the_broker_refuses_a_wrong_password_and_an_unknown_user(
    private_servers: PrivateServers, caplog: pytest.LogCaptureFixture
) -> None:
    intake = _service_kafka(private_servers, "intake")
    for wrong in (
        intake.model_copy(update={"password": SecretStr("not-the-password")}),
        intake.model_copy(update={"username": "nobody"}),
        # The administrator's password is not the intake's.
        intake.model_copy(update={"password": private_servers.kafka_settings().password}),
    ):
        caplog.clear()
        producer = create_producer(wrong, request_timeout_ms=5000)
        with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
            await producer.start()
        await producer.stop()
        assert "invalid credentials" in caplog.text, wrong.username


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_signs_in_as_itself_and_produces_and_consumes_its_events(
    private_servers: PrivateServers, service: str
) -> None:
    own = _service_kafka(private_servers, service)
    assert own.username == service
    assert own.password != private_servers.kafka_settings().password
    topic = await _topic(private_servers)

    producer = create_producer(own, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"an event of " + service.encode(), key=b"doc-1")
    finally:
        await producer.stop()

    consumer = create_consumer(own, group_id=f"{service}-logins", enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        message = await asyncio.wait_for(consumer.getone(), 30)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert message.value == b"an event of " + service.encode()


async def test_the_controller_refuses_a_client_without_a_login(
    private_servers: PrivateServers, tmp_path: Path
) -> None:
    """Open, the controller's listener would let any local process change a topic's settings
    (here: keep its records one second) through Kafka's own admin tool."""
    topic = await _topic(private_servers)
    patience = tmp_path / "anonymous.properties"
    patience.write_text("request.timeout.ms=5000\ndefault.api.timeout.ms=15000\n")
    libs = private_servers.infra("which", "kafka").strip()
    controller = f"127.0.0.1:{private_servers.env['VANTHU_KAFKA_CONTROLLER_PORT']}"
    tool = await asyncio.create_subprocess_exec(
        *("java", "-cp", f"{libs}/*", "kafka.admin.ConfigCommand"),
        *("--bootstrap-controller", controller, "--command-config", str(patience)),
        *("--alter", "--entity-type", "topics", "--entity-name", topic),
        *("--add-config", "retention.ms=1000"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(tool.communicate(), 180)
    assert b"Completed updating config" not in out
    assert tool.returncode != 0


def test_a_state_folder_formatted_before_logins_keeps_its_open_broker(tmp_path) -> None:
    """Whoever uses an older local Kafka is not cut off: `env` gives it no login until its
    folder is formatted again."""
    (tmp_path / "data" / "kafka").mkdir(parents=True)
    (tmp_path / "data" / "kafka" / "meta.properties").write_text("node.id=1\n")
    old = PrivateServers(tmp_path)
    env = old.service_env()
    assert "VANTHU_KAFKA_SECURITY_PROTOCOL" not in env
    assert "VANTHU_KAFKA_USERNAME" not in env
    assert not kafka_settings_of(env).signs_in
    service = old.infra("service-env", "intake")
    assert "VANTHU_KAFKA_" not in service
    assert "VANTHU_MONGO_URI=mongodb://intake:" in service
