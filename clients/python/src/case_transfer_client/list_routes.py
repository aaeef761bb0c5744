"""The lists across cases (transfers, worklist), the audit routes and the service's health.

Each list answers a page; the clients' ``iter_…`` methods follow the pages for you.
"""

from __future__ import annotations

from . import audit_models as audit
from . import models as m
from .calls import Call, reader
from .case_routes import Id


def list_transfers(
    *,
    authority: str | None = None,
    direction: m.Direction | None = None,
    stage: m.Stage | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[m.TransferList]:
    """Transfers to (incoming) or from (outgoing) an authority, oldest proposal first;
    by default those in flight."""
    params = {
        "authority": authority,
        "direction": direction,
        "stage": stage,
        "cursor": cursor,
        "limit": limit,
    }
    return Call("GET", "/v1/transfers", reader(m.TransferList), params)


def worklist(
    *,
    authority: str | None = None,
    overdue: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[m.Worklist]:
    """The steps an authority owes on transfers and hand-overs, soonest due first."""
    params = {"authority": authority, "overdue": overdue, "cursor": cursor, "limit": limit}
    return Call("GET", "/v1/worklist", reader(m.Worklist), params)


def event_feed(*, after: int | None = None, limit: int | None = None) -> Call[audit.EventFeed]:
    """Every event of every case in log order, after position ``after``; for auditors."""
    return Call("GET", "/v1/events", reader(audit.EventFeed), {"after": after, "limit": limit})


def access_log(
    *,
    case_id: Id | None = None,
    principal: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[audit.AccessLogPage]:
    """Every read of a case by a MASH or auditor principal, newest first."""
    params = {"case_id": case_id, "principal": principal, "cursor": cursor, "limit": limit}
    return Call("GET", "/v1/access-log", reader(audit.AccessLogPage), params)


def ledger_checkpoint() -> Call[audit.LedgerCheckpoint]:
    """A signed checkpoint of the ledger over every event recorded so far: keep it."""
    return Call("GET", "/v1/ledger/checkpoint", reader(audit.LedgerCheckpoint))


def ledger_keys() -> Call[audit.LedgerKeys]:
    """The public keys checkpoints are signed with: the current one and retired ones."""
    return Call("GET", "/v1/ledger/keys", reader(audit.LedgerKeys))


def live() -> Call[m.Health]:
    """The service process is up (no token needed)."""
    return Call("GET", "/health/live", reader(m.Health))


def ready() -> Call[m.Health]:
    """The service's store answers (no token needed); ``UnavailableError`` if not."""
    return Call("GET", "/health/ready", reader(m.Health))
