"""A case's rows in every read model, derived from the case's state alone.

Deriving rows from the aggregate (rather than patching them event by event) keeps one
source of truth for what the events mean: the domain. It also makes applying an
event idempotent and a rebuild equal to the incremental build by construction, since
the rows depend on the state the events built and on nothing else (not the clock).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from service.domain.case import CLOSED, Case
from service.domain.case.transfer import ACCEPTED, PROPOSED, Transfer
from service.domain.decision_work import decision_work_for
from service.domain.text import matching_form
from service.domain.worklist import work_for

from .tables import FOREVER

Row = dict[str, Any]


def reference_digest(key: bytes, reference: str) -> bytes:
    """HMAC-SHA256 of a local reference: found by exact match, not readable from the table.

    Taken of the reference's matching form (``service.domain.text.matching_form``: NFKC,
    invisible characters dropped), so a lookup finds a reference recorded before
    references were normalised however it was written then. Rows written before that
    hold digests of the reference as recorded: ``case-transfer replay`` rewrites them
    (README, "Read models").
    """
    form = matching_form(reference).encode()
    return hmac.new(key, b"local-reference:" + form, hashlib.sha256).digest()


@dataclass
class CaseRows:
    """Every read-model row one case contributes, by table."""

    cases: list[Row] = field(default_factory=list)
    periods: list[Row] = field(default_factory=list)
    transfers: list[Row] = field(default_factory=list)
    references: list[Row] = field(default_factory=list)
    work_items: list[Row] = field(default_factory=list)

    def by_table(self) -> tuple[list[Row], ...]:
        """In the order of ``ReadModelTables.all()``."""
        return (self.cases, self.periods, self.transfers, self.references, self.work_items)

    def extend(self, more: CaseRows) -> None:
        """Add another case's rows, table by table."""
        for mine, theirs in zip(self.by_table(), more.by_table(), strict=True):
            mine.extend(theirs)


def rows_of(case: Case, key: bytes) -> CaseRows:
    """The rows of ``case``; ``key`` keys the local-reference digests."""
    rows = CaseRows()
    rows.cases.append(
        {
            "case_id": case.id,
            "version": case.version,
            "status": case.status,
            "opened_by": case.periods[0].authority,
            "opened_at": case.created_on,
            "closed_at": case.periods[-1].until if case.status == CLOSED else None,
        }
    )
    last = len(case.periods) - 1
    for seq, period in enumerate(case.periods):
        ended_by = None
        if period.until is not None:
            ended_by = "closure" if seq == last else "transfer"
        rows.periods.append(
            {
                "case_id": case.id,
                "seq": seq,
                "case_version": case.version,
                "authority": period.authority,
                "since": period.since,
                "until": period.until or FOREVER,
                "ended_by": ended_by,
            }
        )
    rows.transfers.extend(_transfer_row(case, t) for t in case.transfers.values())
    rows.references.extend(
        {
            "case_id": case.id,
            "authority": authority,
            "case_version": case.version,
            "digest": reference_digest(key, reference),
        }
        for authority, reference in sorted(case.local_references.items())
    )
    rows.work_items.extend(
        {
            "item_id": item.item_id,
            "case_id": case.id,
            "case_version": case.version,
            "transfer_id": item.transfer_id,
            "authority": item.authority,
            "kind": item.kind,
            "counterpart": item.counterpart,
            "counted_from": item.counted_from,
            "visible_from": item.visible_from,
            "deadline": item.deadline,
        }
        for item in [*work_for(case), *decision_work_for(case)]
    )
    return rows


def _transfer_row(case: Case, transfer: Transfer) -> Row:
    """A transfer's stage without the clock: "accepted" completes at ``effective_at``."""
    if transfer.ended is not None:
        stage, in_flight_until = transfer.ended, transfer.ended_at
    elif transfer.effective_at is not None:
        stage, in_flight_until = ACCEPTED, transfer.effective_at
    else:
        stage, in_flight_until = PROPOSED, FOREVER
    return {
        "transfer_id": transfer.transfer_id,
        "case_id": case.id,
        "case_version": case.version,
        "from_authority": transfer.from_authority,
        "to_authority": transfer.to_authority,
        "stage": stage,
        "proposed_at": transfer.proposed_at,
        "effective_at": transfer.effective_at,
        "ended_at": transfer.ended_at,
        "in_flight_until": in_flight_until,
    }
