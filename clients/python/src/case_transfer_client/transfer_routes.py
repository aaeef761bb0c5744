"""The routes of a transfer: propose it, then every step of the hand-over.

A step is taken by one side: the originating authority shares information and may
withdraw; the receiving authority confirms receipt, accepts or declines; either side
proposes a date and the other agrees it. A step the rules refuse raises
``RuleRefusedError`` whose ``code`` names the rule (e.g. ``assessment-required``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Unpack

from . import models as m
from .calls import Call, reader
from .case_routes import Change, Id, case_path, change, transfer_path


def propose_transfer(
    case_id: Id,
    *,
    to_authority: str,
    reason: str,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """Propose handing the case to ``to_authority`` (its DfE code, e.g. "801").

    The answer's ``active_transfer.transfer_id`` names the transfer for its steps.
    """
    return change(
        case_path(case_id, "transfers"),
        {"to_authority": to_authority, "reason": reason},
        **options,
    )


def get_transfer(case_id: Id, transfer_id: Id) -> Call[m.TransferView]:
    """One transfer of the case, with its steps."""
    return Call("GET", transfer_path(case_id, transfer_id), reader(m.TransferView))


def share_information(
    case_id: Id,
    transfer_id: Id,
    *,
    categories: Sequence[str],
    shared_on: date,
    references: Sequence[str] = (),
    note: str | None = None,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The originating authority records what it shared (may be recorded several times)."""
    body = {
        "categories": list(categories),
        "references": list(references),
        "shared_on": shared_on,
        "note": note,
    }
    return change(
        transfer_path(case_id, transfer_id, "information-shared"),
        body,
        **options,
    )


def confirm_information_received(
    case_id: Id,
    transfer_id: Id,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The receiving authority confirms it has received the information shared."""
    return change(
        transfer_path(case_id, transfer_id, "information-received"),
        **options,
    )


def propose_transfer_date(
    case_id: Id,
    transfer_id: Id,
    on: date,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """Either authority proposes the date responsibility passes (today or later)."""
    return change(
        transfer_path(case_id, transfer_id, "date-proposals"),
        {"date": on},
        **options,
    )


def agree_transfer_date(
    case_id: Id,
    transfer_id: Id,
    on: date,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The other authority agrees the proposed date, repeating it."""
    return change(
        transfer_path(case_id, transfer_id, "date-agreement"),
        {"date": on},
        **options,
    )


def accept_transfer(
    case_id: Id,
    transfer_id: Id,
    *,
    open_matters: Sequence[Id] | None = None,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The receiving authority accepts; responsibility passes at the effective instant.

    ``open_matters`` names (by id) each disputed strategy discussion and each open
    professional difference on the case, as you have seen them (rule 15); one not named
    is refused with ``RuleRefusedError`` code ``open-matters-not-acknowledged``, its
    ``problem.discussions`` and ``problem.differences`` listing those to name.
    """
    body = None if open_matters is None else {"open_matters": list(open_matters)}
    return change(
        transfer_path(case_id, transfer_id, "acceptance"),
        body,
        **options,
    )


def decline_transfer(
    case_id: Id,
    transfer_id: Id,
    reason: str,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The receiving authority declines; the originating authority stays responsible."""
    return change(
        transfer_path(case_id, transfer_id, "decline"),
        {"reason": reason},
        **options,
    )


def withdraw_transfer(
    case_id: Id,
    transfer_id: Id,
    reason: str,
    **options: Unpack[Change],
) -> Call[m.CaseView]:
    """The originating authority withdraws, only before the effective instant."""
    return change(
        transfer_path(case_id, transfer_id, "withdrawal"),
        {"reason": reason},
        **options,
    )
