"""Exchange's use cases depend on ports, never on adapters (style: handlers import ports), and
each adapter offers what its port promises, so a fake of the port can stand in for it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from vanthu_exchange import ports
from vanthu_exchange.adapters.http_hub_client import HttpHubClient
from vanthu_exchange.adapters.minio_package_store import MinioPackageStore
from vanthu_exchange.adapters.mongo_connector_store import MongoConnectorStore
from vanthu_exchange.adapters.mongo_hub_store import MongoHubStore
from vanthu_exchange.adapters.mongo_sign_in_store import MongoSignInStore

PACKAGE = Path(ports.__file__).parent
USE_CASES = ("connector_handlers.py", "hub_handlers.py", "portal_handlers.py", "hub_accounts.py")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


@pytest.mark.parametrize("module", USE_CASES)
def test_the_use_cases_import_no_adapter(module):
    adapters = {m for m in imported_modules(PACKAGE / module) if ".adapters" in m}

    assert adapters == set(), f"{module} imports {sorted(adapters)}: depend on ports instead"


def protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if callable(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(
    ("port", "adapter"),
    [
        (ports.HubClient, HttpHubClient),
        (ports.PackageStore, MinioPackageStore),
        (ports.ConnectorStore, MongoConnectorStore),
        (ports.HubStore, MongoHubStore),
        (ports.SignInStore, MongoSignInStore),
    ],
    ids=lambda kind: kind.__name__,
)
def test_each_adapter_offers_every_call_of_its_port_with_the_same_parameters(port, adapter):
    for name, expected in protocol_methods(port).items():
        offered = getattr(adapter, name, None)
        assert offered is not None, f"{adapter.__name__} lacks {name}"
        parameters = list(inspect.signature(offered).parameters)
        if isinstance(inspect.getattr_static(adapter, name), staticmethod):
            parameters.insert(0, "self")
        assert parameters == list(expected.parameters), f"{adapter.__name__}.{name}"
