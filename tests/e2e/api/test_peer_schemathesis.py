"""Schemathesis's own command as a peer runs it, against a real server, finds nothing.

``schemathesis run openapi/openapi.json --checks all`` from the repository root, with an
authority's token, against ``case-transfer serve`` on a fresh SQLite file: the
repository's ``schemathesis.toml`` (its hooks and check statuses) is what a peer picks
up. Kept short for the suite: the fuzzing and stateful phases, two examples per
operation. The coverage phase (every boundary of every parameter, about 30 s on its
own) is run by hand with the command in README's "The API in brief".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.reliability.servers import running_server
from tests.paths import REPOSITORY

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_the_peers_run_with_every_check_finds_nothing(
    tmp_path: Path, principals: tuple[Path, dict[str, str]]
) -> None:
    database = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    with running_server(database, principals[0], tmp_path / "logs") as server:
        run = subprocess.run(
            [
                *(str(SCHEMATHESIS), "run", "openapi/openapi.json", "--url", server.base_url),
                *("--checks", "all", "--phases", "fuzzing,stateful", "--workers", "1"),
                *("--max-examples", "2", "--seed", "3"),
                *("-H", f"Authorization: Bearer {principals[1]['somerset']}"),
            ],
            cwd=REPOSITORY,  # reads schemathesis.toml, as a peer's run from a checkout does
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "✅ Fuzzing" in run.stdout and "✅ Stateful" in run.stdout, run.stdout[-3000:]
