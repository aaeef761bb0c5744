"""The domain is pure: importing all of it pulls in no web, SQL or settings framework."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import service.domain

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "psycopg",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "uvicorn",
)


def test_importing_every_domain_module_imports_no_framework() -> None:
    modules = [m.name for m in pkgutil.walk_packages(service.domain.__path__, "service.domain.")]
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    # A fresh interpreter: this test process has imported the API already.
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )

    assert len(modules) >= 10
    assert result.stdout.strip() == "[]"
