"""Who recorded a step: every event carries its actor.

What each kind of actor may see and do is decided in one place, ``access.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTHORITY = "authority"
MASH = "mash"
AUDITOR = "auditor"
PARTNER = "partner"
ROLES = (AUTHORITY, MASH, AUDITOR, PARTNER)


@dataclass(frozen=True)
class Actor:
    """A principal acting on the record: a local authority's case system, a MASH, an
    auditor, or a partner agency (police, GP practice, hospital...).

    ``authority`` is the DfE code of the authority the principal acts for, or, for a
    partner, its agency's code (as used in invitations); auditors act for none.
    """

    name: str
    role: str
    authority: str | None
