"""``python -m service.cli``: the same as the ``case-transfer`` command."""

import sys

from . import main

sys.exit(main())
