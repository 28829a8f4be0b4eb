"""The three services' OpenAPI documents for ``web/``, produced without a running stack.

    python web/scripts/openapi.py            write web/openapi/<service>.json
    python web/scripts/openapi.py --check    exit 1 naming each checked-in document that differs

Each app is built with ``create_app(Settings.from_env())`` and asked for ``/openapi.json`` through
Flask's test client: nothing listens and no database is opened. ``make web-api`` runs this, then
generates the TypeScript types from them (``web/src/api/<service>.d.ts``) and writes the route table
(``turvaverkko ui-routes``) to ``web/src/routes.json``; ``tests/unit/test_web_generated.py`` fails
when a checked-in document or the route table differs from what the code produces now.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "pilots", "notifications")


def _text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def documents() -> dict[Path, str]:
    """Each document's path and the text it should have."""
    from shared.config import Settings

    out: dict[Path, str] = {}
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.app")
        app = module.create_app(Settings.from_env())
        response = app.test_client().get("/openapi.json")
        if response.status_code != 200:
            raise RuntimeError(f"{service}: /openapi.json answered {response.status_code}")
        out[WEB / "openapi" / f"{service}.json"] = _text(response.get_json())
        app.extensions["turvaverkko"].engine.dispose()
    return out


def stale() -> list[Path]:
    """The checked-in documents that differ from what the code produces now."""
    return [
        path
        for path, text in documents().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        differing = stale()
        for path in differing:
            print(f"{path.relative_to(WEB.parent)} is out of date: run `make web-api`")
        return 1 if differing else 0
    for path, text in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(WEB.parent)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(WEB.parent))
    sys.exit(main(sys.argv[1:]))
