"""``python -m bench``: the same as ``make bench``."""

import sys

from .run import main

sys.exit(main())
