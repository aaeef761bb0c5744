"""Who recorded a step: every event carries its actor."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden

AUTHORITY = "authority"
MASH = "mash"
AUDITOR = "auditor"
ROLES = (AUTHORITY, MASH, AUDITOR)


@dataclass(frozen=True)
class Actor:
    """A principal acting on the record: a local authority's case system, a MASH or an auditor.

    ``authority`` is the DfE code of the authority the principal acts for; auditors
    act for none.
    """

    name: str
    role: str
    authority: str | None

    def acting_authority(self) -> str:
        """The authority this actor records steps for; refuses MASH and auditors (403).

        MASH staff and auditors read the record; they never change it.
        """
        if self.role != AUTHORITY or self.authority is None:
            raise Forbidden(f"A {self.role} principal may read the record but not change it.")
        return self.authority
