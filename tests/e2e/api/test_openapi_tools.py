"""The committed OpenAPI document as integrators' tools see it: Spectral's OpenAPI
ruleset finds nothing in it, and a client generated from it by openapi-python-client
type-checks and works against the real app.

Both tools run offline: Spectral from ``node_modules`` (``npm ci``, pinned in
package-lock.json), the generator from the test extra. Each test skips, saying why, when
its tool is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.asgi import create_app
from service.settings import Settings
from tests.paths import REPOSITORY

from .support import random_nhs_number

COMMITTED = REPOSITORY / "openapi" / "openapi.json"
SPECTRAL = REPOSITORY / "node_modules" / ".bin" / "spectral"
BIN = Path(sys.executable).parent
GENERATOR = BIN / "openapi-python-client"
WALK = Path(__file__).with_name("generated_client_walk.py.txt")


def test_spectral_oas_ruleset_finds_nothing() -> None:
    if not SPECTRAL.exists():
        pytest.skip("Spectral is not installed: run `npm ci` (make .venv/.installed does)")
    linted = subprocess.run(
        [str(SPECTRAL), "lint", "--format", "json", "--fail-severity", "hint", str(COMMITTED)],
        cwd=REPOSITORY,  # reads .spectral.yaml
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = json.loads(linted.stdout[: linted.stdout.rindex("]") + 1] or "[]")
    summary = [f"{r['code']} at {'/'.join(map(str, r['path']))}: {r['message']}" for r in found]
    assert summary == [], "\n".join(summary)
    assert linted.returncode == 0, linted.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A client package generated from the committed document, and the walk beside it."""
    if not GENERATOR.exists():
        pytest.skip("openapi-python-client is not installed: pip install -e '.[test]'")
    root = tmp_path_factory.mktemp("generated")
    config = root / "generator.json"
    config.write_text(json.dumps({"package_name_override": "case_transfer_api", "post_hooks": []}))
    made = subprocess.run(
        [
            *(str(GENERATOR), "generate", "--path", str(COMMITTED), "--meta", "none"),
            *("--output-path", str(root / "case_transfer_api"), "--config", str(config)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Warning" not in made.stdout, made.stdout
    shutil.copy(WALK, root / "walk.py")
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "walk" or m.startswith("case_transfer_api")]:
            del sys.modules[name]


def test_a_walk_through_the_generated_client_type_checks(generated: Path) -> None:
    checked = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", "--config-file", "", "walk.py"],
        cwd=generated,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_walk_opens_a_case_and_proposes_a_transfer(
    generated: Path, tmp_path: Path, principals: tuple[Path, dict[str, str]]
) -> None:
    from case_transfer_api import AuthenticatedClient  # type: ignore[import-not-found]
    from walk import walk  # type: ignore[import-not-found]  # generated into tmp

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'events.sqlite3'}", principals_file=principals[0]
    )
    with TestClient(create_app(settings), raise_server_exceptions=True) as http:
        http.headers["Authorization"] = f"Bearer {principals[1]['somerset']}"
        client = AuthenticatedClient(base_url=str(http.base_url), token=principals[1]["somerset"])
        client.set_httpx_client(http)
        assert walk(client, random_nhs_number()) == ("proposed", "801")
