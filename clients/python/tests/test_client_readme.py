"""The README's "Integrating a case system" example runs as written against the service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from client_support import Service

README = Path(__file__).parents[3] / "README.md"


def test_the_integration_example_opens_a_case_and_proposes_a_transfer(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    section = README.read_text(encoding="utf-8").split("## Integrating a case system")[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    example = match.group(1).replace("http://127.0.0.1:8000", service.url)
    assert len(example.splitlines()) <= 25

    exec(compile(example, "README.md", "exec"), {"SOMERSET_TOKEN": service.tokens["somerset"]})

    assert re.fullmatch(r"proposed: [0-9a-f-]{36}\n", capsys.readouterr().out)
