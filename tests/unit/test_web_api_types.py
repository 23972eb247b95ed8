"""The web app's typed API client (issue 12): web/src/api/generated/ holds each service's OpenAPI
document and the TypeScript openapi-typescript writes from it; a route changed without
`make web-api-types` fails here, as a contract changed without `make contracts` does."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from harness.servers import ROOT

SCRIPT = ROOT / "web" / "scripts" / "api_types.py"
WEB_SH = ROOT / "deploy" / "local" / "web.sh"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_api_types", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_types = _load_script()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    # `web.sh build` runs npm ci only when the lock file changed: openapi-typescript is in it.
    subprocess.run([str(WEB_SH), "build"], check=True, cwd=ROOT, timeout=600)
    return api_types.write_all(tmp_path_factory.mktemp("api-types"))


def test_the_committed_api_types_match_the_services_openapi_documents(fresh: list[Path]) -> None:
    assert api_types.stale(fresh) == [], (
        "run `make web-api-types` and commit web/src/api/generated/"
    )
    names = {path.name for path in fresh}
    assert {f"{s}.d.ts" for s in api_types.SERVICES} <= names


def test_a_route_changed_without_regenerating_is_named(fresh: list[Path], tmp_path: Path) -> None:
    committed = tmp_path / "generated"
    shutil.copytree(api_types.GENERATED, committed)
    routing = committed / "routing.d.ts"
    routing.write_text(routing.read_text().replace('"/inbox"', '"/inbox-renamed"'))
    (committed / "archive.openapi.json").unlink()
    assert api_types.stale(fresh, committed) == ["archive.openapi.json", "routing.d.ts"]


def test_the_generated_types_describe_what_the_web_app_calls() -> None:
    intake = (api_types.GENERATED / "intake.d.ts").read_text()
    assert '"/v1/documents": {' in intake
    assert "* IncomingDocumentMetadata" in intake  # the registration form's fields, typed
    routing = (api_types.GENERATED / "routing.d.ts").read_text()
    assert '"/tasks/mine": {' in routing


def test_the_directory_lists_are_typed_for_the_administrators_screens() -> None:
    routing = api_types.openapi_of("routing")
    schemas = routing["components"]["schemas"]
    for path, model in (("/directory/users", "UserOut"), ("/directory/units", "UnitOut")):
        answer = routing["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["items"] == {"$ref": f"#/components/schemas/{model}"}
    assert set(schemas["UserOut"]["required"]) == {
        "agency_code",
        "user_id",
        "full_name",
        "position",
        "unit_id",
        "email",
        "roles",
        "active",
    }
    assert schemas["UserOut"]["properties"]["roles"]["type"] == "array"
    assert set(schemas["UnitOut"]["required"]) == {
        "agency_code",
        "unit_id",
        "name",
        "parent_unit_id",
        "active",
    }
