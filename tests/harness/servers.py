"""Which Kafka, Mongo-wire and MinIO the tests talk to.

In this order: endpoints given in the environment (VANTHU_KAFKA_BOOTSTRAP_SERVERS,
VANTHU_MONGO_URI, VANTHU_S3_ENDPOINT with VANTHU_S3_ACCESS_KEY/VANTHU_S3_SECRET_KEY); else
official images through testcontainers when a Docker engine answers; else the local servers of
deploy/local (started if they are not running). Never a fake.

Kafka's login (VANTHU_KAFKA_SECURITY_PROTOCOL, _SASL_MECHANISM, _USERNAME, _PASSWORD; the
administrator's, from `infra.sh env`) is put into this process's environment once the servers are
chosen, so that every `KafkaSettings` of the session, the clients the tests build from a bootstrap
address alone and the processes they start sign in to the same broker.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from vanthu_runtime.settings import KafkaSettings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "deploy" / "local" / "infra.sh"


@dataclass(frozen=True)
class Servers:
    kafka_bootstrap: str
    mongo_uri: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    origin: str
    kafka_login: dict[str, str] = field(default_factory=dict)
    """VANTHU_KAFKA_SECURITY_PROTOCOL and the rest of the broker's login; empty for an open one."""
    kafka_tools_login: dict[str, str] = field(default_factory=dict)
    """VANTHU_KAFKA_TOOLS_USERNAME/_PASSWORD: the PLAIN login of librdkafka < 2.6.1 (kcat)."""

    def env(self) -> dict[str, str]:
        return {
            **self.kafka_login,
            "VANTHU_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "VANTHU_MONGO_URI": self.mongo_uri,
            "VANTHU_S3_ENDPOINT": self.s3_endpoint,
            "VANTHU_S3_ACCESS_KEY": self.s3_access_key,
            "VANTHU_S3_SECRET_KEY": self.s3_secret_key,
        }

    def kafka_settings(self) -> KafkaSettings:
        return kafka_settings_of(
            {**self.kafka_login, "VANTHU_KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap}
        )


KAFKA_LOGIN = (
    "VANTHU_KAFKA_SECURITY_PROTOCOL",
    "VANTHU_KAFKA_SASL_MECHANISM",
    "VANTHU_KAFKA_USERNAME",
    "VANTHU_KAFKA_PASSWORD",
)
KAFKA_TOOLS_LOGIN = ("VANTHU_KAFKA_TOOLS_USERNAME", "VANTHU_KAFKA_TOOLS_PASSWORD")


def kafka_settings_of(env: Mapping[str, str]) -> KafkaSettings:
    """The broker and login that ``env`` names, whatever this process's environment says."""
    return KafkaSettings(
        bootstrap_servers=env["VANTHU_KAFKA_BOOTSTRAP_SERVERS"],
        security_protocol=env.get("VANTHU_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
        sasl_mechanism=env.get("VANTHU_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256"),
        username=env.get("VANTHU_KAFKA_USERNAME", ""),
        password=env.get("VANTHU_KAFKA_PASSWORD", ""),
    )


def _picked(env: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: env[name] for name in names if env.get(name)}


def _from_environment() -> Servers | None:
    env = os.environ
    names = ("VANTHU_KAFKA_BOOTSTRAP_SERVERS", "VANTHU_MONGO_URI", "VANTHU_S3_ENDPOINT")
    if not all(env.get(n) for n in names):
        return None
    return Servers(
        kafka_bootstrap=env["VANTHU_KAFKA_BOOTSTRAP_SERVERS"],
        mongo_uri=env["VANTHU_MONGO_URI"],
        s3_endpoint=env["VANTHU_S3_ENDPOINT"],
        s3_access_key=env.get("VANTHU_S3_ACCESS_KEY", ""),
        s3_secret_key=env.get("VANTHU_S3_SECRET_KEY", ""),
        origin="environment",
        kafka_login=_picked(env, KAFKA_LOGIN),
        kafka_tools_login=_picked(env, KAFKA_TOOLS_LOGIN),
    )


def docker_answers() -> bool:
    """True when a Docker engine answers `GET /_ping` on its socket."""
    if os.environ.get("VANTHU_TESTS_NO_DOCKER"):
        return False
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return _docker_api_answers()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(host.removeprefix("unix://"))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
    except OSError:
        return False
    return status_line.startswith(b"HTTP/1.") and b" 200 " in status_line


def _docker_api_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - no engine, no permission: both mean "no Docker"
        return False


def _from_testcontainers(stack: ExitStack) -> Servers:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.minio import MinioContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = stack.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft())
    mongo = stack.enter_context(MongoDbContainer("mongo:7"))
    minio = stack.enter_context(MinioContainer())
    config = minio.get_config()
    return Servers(
        kafka_bootstrap=kafka.get_bootstrap_server(),
        mongo_uri=mongo.get_connection_url(),
        s3_endpoint=config["endpoint"],
        s3_access_key=config["access_key"],
        s3_secret_key=config["secret_key"],
        origin="testcontainers",
    )


def local_env() -> dict[str, str]:
    out = subprocess.run([str(INFRA), "env"], check=True, capture_output=True, text=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def _from_local_servers() -> Servers:
    subprocess.run([str(INFRA), "up"], check=True)
    env = local_env()
    return Servers(
        kafka_bootstrap=env["VANTHU_KAFKA_BOOTSTRAP_SERVERS"],
        mongo_uri=env["VANTHU_MONGO_URI"],
        s3_endpoint=env["VANTHU_S3_ENDPOINT"],
        s3_access_key=env["VANTHU_S3_ACCESS_KEY"],
        s3_secret_key=env["VANTHU_S3_SECRET_KEY"],
        origin="local",
        kafka_login=_picked(env, KAFKA_LOGIN),
        kafka_tools_login=_picked(env, KAFKA_TOOLS_LOGIN),
    )


def _chosen(stack: ExitStack) -> Servers:
    chosen = _from_environment()
    if chosen is not None:
        return chosen
    if docker_answers():
        return _from_testcontainers(stack)
    return _from_local_servers()


def choose_servers(stack: ExitStack) -> Servers:
    servers = _chosen(stack)
    os.environ.update(servers.kafka_login | servers.kafka_tools_login)
    return servers


def local_binary(name: str) -> Path:
    """Path of a locally built server binary (minio, ferretdb), building it if needed."""
    subprocess.run([str(INFRA), "install"], check=True)
    out = subprocess.run([str(INFRA), "which", name], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


Cleanup = Callable[[], None]
