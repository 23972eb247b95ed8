"""deploy/compose.yaml, for machines with Docker: the same servers and processes as `make run`."""

from __future__ import annotations

import yaml
from harness.processes import SERVICES
from harness.servers import ROOT

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())


def test_compose_runs_kafka_a_mongodb_replica_set_and_minio_from_official_images() -> None:
    services = COMPOSE["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["mongo"]["image"].startswith("mongo:")
    assert "--replSet" in services["mongo"]["command"]
    assert services["minio"]["image"].startswith("minio/minio:")


def test_compose_has_one_container_per_service_process() -> None:
    for service in SERVICES:
        for kind in ("api", "worker"):
            command = COMPOSE["services"][f"{service}-{kind}"]["command"]
            assert command[:4] == ["python", "-m", f"vanthu_{service}", kind]


def test_compose_publishes_ports_on_loopback_only_and_keeps_secrets_out() -> None:
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    minio_env = COMPOSE["services"]["minio"]["environment"]
    assert minio_env["MINIO_ROOT_PASSWORD"].startswith("${")


def test_kubernetes_manifests_run_every_process_with_readiness_probes() -> None:
    manifests = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "vanthu.yaml").read_text()))
    deployments = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Deployment"}
    assert sorted(deployments) == sorted(f"{s}-{k}" for s in SERVICES for k in ("api", "worker"))
    for deployment in deployments.values():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_kubernetes_admits_to_the_pods_only_the_ingress_prometheus_and_vanthu_itself() -> None:
    manifests = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "vanthu.yaml").read_text()))
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    assert len(policies) == 1
    spec = policies[0]["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app": "vanthu"}}
    sources = spec["ingress"][0]["from"]
    namespaces = {s["namespaceSelector"]["matchLabels"][NAMESPACE_LABEL] for s in sources[:2]}
    assert namespaces == {"ingress-nginx", "monitoring"}
    services = [m for m in manifests if m["kind"] == "Service"]
    worker_ports = set(range(8101, 8105))
    assert not [s for s in services for p in s["spec"]["ports"] if p["port"] in worker_ports]


NAMESPACE_LABEL = "kubernetes.io/metadata.name"
