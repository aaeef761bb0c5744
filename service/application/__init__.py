"""The service layer: the use cases (commands and queries) over the event store.

``CaseTransferApplication`` (``app.py``) is what the entry points call; a change is
asked for with a ``ChangeRequest`` and answered with an ``Outcome`` (``outcome.py``).
"""

from .app import CaseTransferApplication
from .outcome import ChangeRequest, Outcome, StaleVersionError, WriteConflictError, utc_now

__all__ = [
    "CaseTransferApplication",
    "ChangeRequest",
    "Outcome",
    "StaleVersionError",
    "WriteConflictError",
    "utc_now",
]
