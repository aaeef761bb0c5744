"""Request and response bodies of the v1 API, and how the record is rendered into them.

Field names are the contract LA systems code against (DESIGN.md, "API contract").
"""

from .bodies import (
    AssessmentRecord,
    CaseOpening,
    Closure,
    InformationShareRecord,
    LocalReference,
    Reason,
    TransferDate,
    TransferProposal,
)
from .cases import (
    AssessmentView,
    CaseList,
    CaseView,
    ChildView,
    History,
    HistoryEntry,
    InformationShareView,
    Interval,
    LocalReferenceView,
    ResponsibilityView,
    TimelineView,
    TransferView,
)
from .common import Actor, AuthorityEntry, AuthorityList, AuthorityRef, QueryInstant, utc
from .feed import AccessEntry, AccessLogPage, EventFeed, FeedEvent
from .ledger import LedgerCheckpoint, LedgerKey, LedgerKeys
from .lists import Caseload, TransferList, TransferListItem, WorkItemView, Worklist, action

__all__ = [
    "AccessEntry",
    "AccessLogPage",
    "Actor",
    "AssessmentRecord",
    "AssessmentView",
    "AuthorityEntry",
    "AuthorityList",
    "AuthorityRef",
    "CaseList",
    "CaseOpening",
    "CaseView",
    "Caseload",
    "ChildView",
    "Closure",
    "EventFeed",
    "FeedEvent",
    "History",
    "HistoryEntry",
    "InformationShareRecord",
    "InformationShareView",
    "Interval",
    "LedgerCheckpoint",
    "LedgerKey",
    "LedgerKeys",
    "LocalReference",
    "LocalReferenceView",
    "QueryInstant",
    "Reason",
    "ResponsibilityView",
    "TimelineView",
    "TransferDate",
    "TransferList",
    "TransferListItem",
    "TransferProposal",
    "TransferView",
    "WorkItemView",
    "Worklist",
    "action",
    "utc",
]
