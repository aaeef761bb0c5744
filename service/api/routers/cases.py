"""Routes of /v1/cases: open, look up, ask who is responsible, replay, close."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from service.application import CaseTransferApplication as Use
from service.audit import export
from service.domain.access import require_caseless_query_allowed
from service.domain.case import Case
from service.domain.child_index import ChildHasOpenCaseError
from service.domain.errors import InvalidInput
from service.domain.text import REFERENCE_MAX
from service.http.reads import CaseReadRecorder
from service.projections.queries import DEFAULT_LIMIT, Page

from ..answers import case_answer, list_responses, mark_position
from ..deps import App, CaseId, CaseReads, Change, CurrentActor, Lists, Step
from ..errors import problem_responses
from ..negotiation import prefers_csv
from ..operations import api_router
from ..params import Cursor, Instant, OptionalLimit
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
    request: Request,
    response: Response,
    responsible_authority: Annotated[
        str | None, Query(max_length=8, description="This authority's cases; default yours")
    ] = None,
    status: Annotated[
        str | None, Query(max_length=16, description="open (default): held now; closed")
    ] = None,
    cursor: Cursor = None,
    limit: OptionalLimit = None,
) -> CaseList:
    """A caseload: the cases an authority holds now (`open`, oldest first) or closed.

    With no query an authority gets its own open caseload; the MASH and auditors name
    the authority. A child is looked up by `GET /v1/cases/by-nhs-number`, a local
    reference by `GET /v1/cases/by-local-reference`: either parameter sent here is
    refused (422 `lookup-moved`), never ignored, so an old client is not answered with
    a caseload it took for a child's cases.
    """
    moved = [name for name in LOOKUPS if name in request.query_params]
    if moved:
        raise InvalidInput(f"{moved[0]} is looked up at {LOOKUPS[moved[0]]}.", code="lookup-moved")
    if responsible_authority is None and status is None:
        require_caseless_query_allowed(actor)
    page = lists.caseload(
        actor,
        authority=responsible_authority,
        status=status if status is not None else "open",
        cursor=cursor,
        limit=limit if limit is not None else DEFAULT_LIMIT,
    )
    return _case_page(page, app, reads, response)


LOOKUPS = {
    "nhs_number": "/v1/cases/by-nhs-number",
    "local_reference": "/v1/cases/by-local-reference",
}


@router.get("/by-nhs-number", response_model=CaseList, responses=problem_responses(403))
def find_child_cases(
    actor: CurrentActor,
    app: App,
    reads: CaseReads,
    nhs_number: Annotated[str, Query(max_length=12, description="The child's NHS number")],
) -> CaseList:
    """Look a child up: every case of the child you may see, newest first, on one page.

    It reads the record itself, not the lists, so it carries no X-Log-Position and
    takes no cursor or limit. Each case a MASH or auditor principal is shown is
    recorded in the access log.
    """
    cases, now = app.cases_for_child(actor, nhs_number)
    reads.record(*(case.id for case in cases))
    return CaseList(items=[CaseView.of(case, now) for case in cases], next=None)


@router.get("/by-local-reference", response_model=CaseList, responses=list_responses(403))
def find_cases_by_local_reference(
    actor: CurrentActor,
    app: App,
    lists: Lists,
    reads: CaseReads,
    response: Response,
    local_reference: Annotated[
        str,
        Query(
            min_length=1, max_length=REFERENCE_MAX, description="An authority's own case reference"
        ),
    ],
    cursor: Cursor = None,
    limit: OptionalLimit = None,
) -> CaseList:
    """The cases a local case reference names: an authority finds its own references,
    the MASH and auditors any authority's. Each case a MASH or auditor principal is
    shown is recorded in the access log."""
    page = lists.cases_by_local_reference(
        actor,
        local_reference,
        cursor=cursor,
        limit=limit if limit is not None else DEFAULT_LIMIT,
    )
    return _case_page(page, app, reads, response)


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


def _case_page(page: Page[Case], app: Use, reads: CaseReadRecorder, response: Response) -> CaseList:
    """A page of a list of cases: its log position, its reads recorded, each case as now."""
    mark_position(response, page)
    reads.record(*(case.id for case in page.items))
    now = app.clock()
    return CaseList(items=[CaseView.of(case, now) for case in page.items], next=page.next_cursor)
