"""The services and the shared platform type-check: mypy, configured in pyproject.toml (its
default strictness plus the flags stated there), finds no error. Run by ``make test`` with the
rest of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_services_and_shared_type_check_without_an_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, "mypy found errors:\n" + result.stdout + result.stderr


def test_domain_and_store_layers_import_no_web_framework() -> None:
    """import-linter's contracts in pyproject.toml: the ``domain`` and ``store`` packages of every
    service import neither Flask, werkzeug, flask-smorest nor the HTTP side of ``shared`` — not
    even through another module — so a consumer can use them and they raise ``shared.errors``."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, "a layer contract is broken:\n" + result.stdout[-4000:]
