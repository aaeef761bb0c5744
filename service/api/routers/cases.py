"""Routes of /v1/cases: open, look up, ask who is responsible, replay, close."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from service.application import CaseTransferApplication as Use
from service.audit import export
from service.domain.access import require_caseless_query_allowed
from service.domain.actors import Actor
from service.domain.child_index import ChildHasOpenCaseError
from service.domain.errors import InvalidInput
from service.domain.text import REFERENCE_MAX
from service.projections.queries import DEFAULT_LIMIT

from ..answers import case_answer, list_responses, mark_position
from ..deps import App, CaseId, CaseReads, Change, CurrentActor, Lists, Step
from ..errors import problem_responses
from ..negotiation import prefers_csv
from ..operations import api_router
from ..params import LIMIT_BOUNDS, Cursor, Instant
from ..schemas import (
    AssessmentRecord,
    CaseList,
    CaseOpening,
    CaseView,
    Closure,
    History,
    LocalReference,
    ResponsibilityView,
    TimelineView,
)

router = api_router(prefix="/v1/cases", tags=["cases"])
CHANGE = problem_responses(403, 404, 409, 412, 413)


@router.post(
    "", status_code=201, response_model=CaseView, responses=problem_responses(403, 409, 413)
)
def open_case(
    body: CaseOpening, change: Change, app: App, reads: CaseReads, response: Response
) -> CaseView:
    """Open a case; the calling authority is responsible from this instant.

    A child with an NHS number has one open case at a time: 409 `child-has-open-case`
    names the authority responsible for it (`responsible_authority`), to contact. Told
    to an authority that is not a party to that case, this is recorded in the access
    log before the answer is sent.
    """
    try:
        outcome = app.open_case(
            change.actor,
            change.request(body),
            local_reference=body.local_reference,
            nhs_number=body.nhs_number,
            date_of_birth=body.date_of_birth,
            expected_date_of_birth=body.expected_date_of_birth,
        )
    except ChildHasOpenCaseError as refusal:
        if refusal.disclosed:
            reads.record_disclosure(refusal, refusal.case_id)
        raise
    return case_answer(outcome, response, location=f"/v1/cases/{outcome.case.id}")


@router.get("", response_model=CaseList, responses=list_responses(403))
def find_cases(
    actor: CurrentActor,
    app: App,
    lists: Lists,
    reads: CaseReads,
    response: Response,
    nhs_number: Annotated[
        str | None, Query(max_length=12, description="Look a child up: the child's cases")
    ] = None,
    local_reference: Annotated[
        str | None,
        Query(max_length=REFERENCE_MAX, description="Find cases by your own case reference"),
    ] = None,
    responsible_authority: Annotated[
        str | None, Query(max_length=8, description="A caseload: this authority's cases")
    ] = None,
    status: Annotated[
        str | None, Query(max_length=16, description="A caseload's cases: open (default), closed")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[
        int | None,
        Query(
            description=f"Items per page; default {DEFAULT_LIMIT}", json_schema_extra=LIMIT_BOUNDS
        ),
    ] = None,
) -> CaseList:
    """Find cases one way at a time: by NHS number, by local reference, or a caseload.

    With no query an authority gets its own open caseload. An NHS number lookup answers
    every case of the child you may see, newest first, on one page (no cursor or limit)
    and without X-Log-Position, as it reads the record itself; the others page through
    the read models. Each case a MASH or auditor principal is shown is recorded in
    the access log.
    """
    _one_lookup(actor, nhs_number, local_reference, responsible_authority, status, cursor, limit)
    if nhs_number is not None:
        cases, now = app.cases_for_child(actor, nhs_number)
        reads.record(*(case.id for case in cases))
        return CaseList(items=[CaseView.of(case, now) for case in cases], next=None)
    page_size = limit if limit is not None else DEFAULT_LIMIT
    if local_reference is not None:
        page = lists.cases_by_local_reference(
            actor, local_reference, cursor=cursor, limit=page_size
        )
    else:
        page = lists.caseload(
            actor,
            authority=responsible_authority,
            status=status if status is not None else "open",
            cursor=cursor,
            limit=page_size,
        )
    mark_position(response, page)
    reads.record(*(case.id for case in page.items))
    now = app.clock()
    return CaseList(items=[CaseView.of(case, now) for case in page.items], next=page.next_cursor)


def _one_lookup(
    actor: Actor,
    nhs_number: str | None,
    local_reference: str | None,
    responsible_authority: str | None,
    status: str | None,
    cursor: str | None,
    limit: int | None,
) -> None:
    """Refuse a query asking for several lookups, or for none unless an authority asks.

    An NHS number lookup answers on one page, so it takes no cursor or limit either.
    """
    asked = [
        name
        for name, given in (
            ("nhs_number", nhs_number is not None),
            ("local_reference", local_reference is not None),
            ("caseload", responsible_authority is not None or status is not None),
        )
        if given
    ]
    paged = nhs_number is not None and (cursor is not None or limit is not None)
    if len(asked) > 1 or paged:
        raise InvalidInput(
            "Look cases up one way at a time: nhs_number (on one page: no cursor or limit), "
            "local_reference, or responsible_authority and status.",
            code="conflicting-query",
        )
    if not asked:
        require_caseless_query_allowed(actor)


@router.get("/{case_id}", response_model=CaseView, responses=problem_responses(404))
def get_case(
    case_id: CaseId,
    actor: CurrentActor,
    app: App,
    reads: CaseReads,
    response: Response,
    as_known_at: Instant = None,
) -> CaseView:
    """The case now: who is responsible, any transfer in flight and its steps.

    With ``as_known_at``, the case as the record stood then, seen at that instant: a
    case not yet opened then is not found (404), and the answer carries no ETag, as
    it is not a version to send in If-Match. A later ``as_known_at`` than now shows
    the case now.
    """
    case, now = app.case(actor, case_id, as_known_at=as_known_at)
    reads.record(case_id)
    if as_known_at is None:
        response.headers["ETag"] = f'"{case.version}"'
    return CaseView.of(case, now)


@router.get(
    "/{case_id}/responsibility",
    response_model=ResponsibilityView,
    responses=problem_responses(404),
)
def responsibility(
    case_id: CaseId,
    actor: CurrentActor,
    app: App,
    reads: CaseReads,
    at: Instant = None,
    as_known_at: Instant = None,
) -> ResponsibilityView:
    """Who was (or will be) responsible at ``at``, as the record stood at ``as_known_at``."""
    now = app.clock()
    answer = app.responsibility(actor, case_id, at=at or now, as_known_at=as_known_at)
    reads.record(case_id)
    return ResponsibilityView.of(answer, at or now, as_known_at or now)


@router.get("/{case_id}/timeline", response_model=TimelineView, responses=problem_responses(404))
def timeline(
    case_id: CaseId, actor: CurrentActor, app: App, reads: CaseReads, as_known_at: Instant = None
) -> TimelineView:
    """The periods of responsibility; a scheduled hand-over is an interval in the future."""
    periods = app.timeline(actor, case_id, as_known_at=as_known_at)
    reads.record(case_id)
    return TimelineView.of(case_id, periods, as_known_at or app.clock())


HISTORY_CSV = {
    "description": "Every event of the case, in order. As CSV (`Accept: text/csv`): a "
    "fixed header, one row per event with its log position, and the event's data as "
    "canonical JSON in the last column; the same bytes as `case-transfer export --case`",
    "content": {export.CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}}},
}


@router.get(
    "/{case_id}/history",
    response_model=History,
    responses={200: HISTORY_CSV, **problem_responses(403, 404)},
)
def history(
    case_id: CaseId, actor: CurrentActor, app: App, reads: CaseReads, request: Request
) -> History | Response:
    """Every event of the case, in order, with who recorded it and when.

    JSON unless ``Accept`` prefers ``text/csv``.
    """
    if prefers_csv(request.headers.get("accept")):
        document = export.csv_document(export.case_events(app, actor, case_id))
        reads.record(case_id)
        return Response(
            document,
            media_type=export.CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="case-{case_id}.csv"'},
        )
    events = app.history(actor, case_id)
    reads.record(case_id)
    return History.of(case_id, events)


@router.post("/{case_id}/local-references", response_model=CaseView, responses=CHANGE)
def record_local_reference(case_id: CaseId, body: LocalReference, step: Step) -> CaseView:
    """Record your authority's own case reference for this case."""
    return step.run(Use.record_local_reference, case_id, body=body)


@router.post("/{case_id}/assessments", response_model=CaseView, responses=CHANGE)
def record_assessment(case_id: CaseId, body: AssessmentRecord, step: Step) -> CaseView:
    """Record the responsible authority's completed assessment of the child's needs."""
    return step.run(Use.record_assessment, case_id, body=body)


@router.post("/{case_id}/closure", response_model=CaseView, responses=CHANGE)
def close_case(case_id: CaseId, body: Closure, step: Step) -> CaseView:
    """Close the case with a CIN census reason; refused while a transfer is in progress."""
    return step.run(Use.close_case, case_id, body=body)
