"""The web app's typed API client (issue 12): each service's OpenAPI document, made from its
FastAPI app without starting a server (`create_api().openapi()` reads no database, no broker),
and the TypeScript types openapi-typescript writes from it, both committed under
web/src/api/generated/ and checked for drift like the contracts' schemas.

    python web/scripts/api_types.py          write web/src/api/generated/
    python web/scripts/api_types.py --check  exit 1 naming each file that differs

openapi-typescript comes from web/node_modules (`deploy/local/web.sh build` installs it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parents[1]
GENERATED = WEB / "src" / "api" / "generated"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"
SERVICES = ("intake", "routing", "exchange", "archive")


def openapi_of(service: str) -> dict[str, Any]:
    bootstrap = importlib.import_module(f"vanthu_{service}.bootstrap")
    document: dict[str, Any] = bootstrap.create_api().openapi()
    return document


def write_all(into: Path) -> list[Path]:
    """Each service's `<service>.openapi.json` and `<service>.d.ts` in `into`."""
    if not GENERATOR.exists():
        sys.exit(f"{GENERATOR} is missing: run `deploy/local/web.sh build` (npm ci in web/) first")
    into.mkdir(parents=True, exist_ok=True)
    documents = [into / f"{service}.openapi.json" for service in SERVICES]
    for service, document in zip(SERVICES, documents, strict=True):
        text = json.dumps(openapi_of(service), indent=2, ensure_ascii=False) + "\n"
        document.write_text(text, encoding="utf-8")
    types = [into / f"{service}.d.ts" for service in SERVICES]
    runs = [
        subprocess.Popen(  # noqa: S603 (our own node_modules tool, one per service at once)
            [str(GENERATOR), str(document), "--output", str(output)],
            cwd=WEB,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for document, output in zip(documents, types, strict=True)
    ]
    for run in runs:
        _, errors = run.communicate(timeout=120)
        if run.returncode:
            sys.exit(f"openapi-typescript failed: {errors.decode(errors='replace')}")
    return [*documents, *types]


def stale(fresh: list[Path], committed: Path = GENERATED) -> list[str]:
    """The files of `committed` that differ from the `fresh` ones (or are missing)."""
    return [
        path.name
        for path in fresh
        if not (committed / path.name).exists()
        or (committed / path.name).read_bytes() != path.read_bytes()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    if parser.parse_args().check:
        with tempfile.TemporaryDirectory() as scratch:
            differing = stale(write_all(Path(scratch)))
        if differing:
            sys.exit(
                "the web app's API types in web/src/api/generated/ differ from the services' "
                f"OpenAPI documents (run `make web-api-types` and commit): {', '.join(differing)}"
            )
        return
    for path in write_all(GENERATED):
        sys.stdout.write(f"wrote {path.relative_to(WEB.parent)}\n")


if __name__ == "__main__":
    main()
