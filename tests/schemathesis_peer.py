"""The hooks file ``schemathesis.toml`` names: installs ``tests.peer_hooks`` for a
``schemathesis run`` started from the repository root (see that module for why)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.peer_hooks import install  # after the repository is on the path

install()
