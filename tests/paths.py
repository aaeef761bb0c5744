"""Where the repository is, for tests that run its commands or read its committed files."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
