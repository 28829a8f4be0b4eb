"""The web UI's generated inputs are up to date: the services' OpenAPI documents in web/openapi/
(the UI's typed clients are generated from them) and the route table in web/src/routes.json. An
API or route change without `make web-api` fails here."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_openapi", WEB / "scripts" / "openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


@pytest.fixture(scope="module")
def documents() -> dict[Path, str]:
    documents: dict[Path, str] = SCRIPT.documents()
    return documents


@pytest.mark.parametrize("service", SCRIPT.SERVICES)
def test_the_checked_in_openapi_document_is_what_the_app_serves_now(
    service: str, documents: dict[Path, str]
) -> None:
    path = WEB / "openapi" / f"{service}.json"
    expected = documents[path]
    assert path.exists(), f"{path} is missing: run `make web-api`"
    assert path.read_text(encoding="utf-8") == expected, (
        f"web/openapi/{service}.json differs from the app's /openapi.json: run `make web-api`"
    )


def test_the_checked_in_route_table_is_what_turvaverkko_ui_routes_prints() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "services.cli", "ui-routes"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = WEB / "src" / "routes.json"
    assert path.exists(), f"{path} is missing: run `make web-api`"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(printed), (
        "web/src/routes.json differs from `turvaverkko ui-routes`: run `make web-api`"
    )
