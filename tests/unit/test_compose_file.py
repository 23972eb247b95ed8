"""deploy/compose.yaml, for machines with Docker: the same servers and processes as `make run`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from harness.processes import SERVICES, free_port
from harness.servers import ROOT
from harness.web import one_origin

COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
MANIFESTS = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "vanthu.yaml").read_text()))
API_PORTS = {"intake": 8001, "routing": 8002, "exchange": 8003, "archive": 8004}


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
    processes = sorted(f"{s}-{k}" for s in SERVICES for k in ("api", "worker"))
    assert sorted(deployments) == sorted([*processes, "web"])
    for name in processes:
        deployment = deployments[name]
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


def test_compose_serves_the_app_and_the_apis_on_one_origin_with_make_runs_nginx_file() -> None:
    web = COMPOSE["services"]["web"]
    assert web["build"]["dockerfile"] == "deploy/web.Dockerfile"
    assert web["ports"] == ["127.0.0.1:8080:8080"]
    dockerfile = (ROOT / "deploy" / "web.Dockerfile").read_text()
    assert "web.sh render /etc/nginx/nginx.conf" in dockerfile  # the template make run renders
    for service, port in API_PORTS.items():
        # the upstream names the image is rendered with are the API containers' aliases
        assert f"VANTHU_WEB_{service.upper()}={service}:{port}" in dockerfile
        api = COMPOSE["services"][f"{service}-api"]
        assert service in api["networks"]["default"]["aliases"]
        assert f"--port {port}" in " ".join(api["command"])
        assert f"{service}-api" in web["depends_on"]


def test_kubernetes_ingress_routes_the_paths_of_make_runs_origin() -> None:
    ingresses = [m for m in MANIFESTS if m["kind"] == "Ingress"]
    routes = {
        (path["path"], path["pathType"]): (
            path["backend"]["service"]["name"],
            path["backend"]["service"]["port"]["number"],
            ingress["metadata"]
            .get("annotations", {})
            .get("nginx.ingress.kubernetes.io/rewrite-target"),
        )
        for ingress in ingresses
        for path in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    service_ports = {
        m["metadata"]["name"]: m["spec"]["ports"][0]["port"]
        for m in MANIFESTS
        if m["kind"] == "Service"
    }
    for service, port in API_PORTS.items():
        # /api/intake/health/ready reaches intake as /health/ready
        assert routes[(f"/api/{service}(/|$)(.*)", "ImplementationSpecific")] == (
            service,
            port,
            "/$2",
        )
        assert service_ports[service] == port
        # refused by the web pods' nginx (ADR 0048), not rewritten to the app's page
        assert routes[(f"/api/{service}/metrics", "Exact")] == ("web", 8080, None)
    assert routes[("/portal/", "Prefix")] == ("exchange", 8003, None)
    assert routes[("/portal/", "Exact")] == ("web", 8080, None)  # nginx's redirect to the login
    assert routes[("/", "Prefix")] == ("web", 8080, None)
    assert service_ports["web"] == 8080


class _Upstream(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"upstream saw {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[str]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<title>vanthu</title>")
    address = f"127.0.0.1:{upstream.server_address[1]}"
    try:
        with one_origin({"intake": address}, free_port(), tmp_path / "nginx", dist) as url:
            yield url
    finally:
        upstream.shutdown()
        upstream.server_close()


def test_the_origin_refuses_metrics_but_passes_the_apis_and_serves_the_app(origin: str) -> None:
    # the configuration compose's and Kubernetes' web containers are rendered from
    for service in SERVICES:
        assert httpx.get(f"{origin}/api/{service}/metrics").status_code == 404
    ready = httpx.get(f"{origin}/api/intake/health/ready")
    assert ready.text == "upstream saw /health/ready"
    assert httpx.get(f"{origin}/api/intake/v1/metrics").text == "upstream saw /v1/metrics"
    assert "<title>vanthu</title>" in httpx.get(f"{origin}/inbox").text
    assert httpx.get(f"{origin}/portal/").headers["location"].endswith("/portal/login")
