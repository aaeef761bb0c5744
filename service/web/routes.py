"""The MASH pages: sign in, find a child, see who is responsible, sign out.

Routes are thin: read the form, call one query of the application as the signed-in
MASH or auditor principal, record the cases it shows in the access log, render a page
or redirect. A search by NHS number is a POST answered by a redirect to the case (or
to "no open case"), so the number never sits in a URL, a browser's history, a
referrer or a request log.

No ``from __future__ import annotations`` here: the routes are made inside
``build_router`` and FastAPI must see their ``Annotated`` dependencies, which close
over the configuration, as objects rather than as names it cannot resolve.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.application import CaseTransferApplication
from service.domain.access import may_sign_in_to_pages
from service.domain.actors import AUDITOR
from service.domain.case import OPEN
from service.domain.errors import NotFound
from service.http.context import note_principal
from service.http.reads import case_reads, service_of
from service.http.store_turns import take_store_turn

from . import forms, words
from .csrf import SignInForms, check_session_token, is_nonce, new_nonce, session_token
from .pages import PREFIX, Pages, SignInRequiredError
from .sessions import SessionPolicy, SessionStore, WebSession
from .views import case_page

_MAX_CLOSED_LISTED = 10
FormText = Annotated[str, Form(max_length=200)]


@dataclass(frozen=True)
class MashConfig:
    """What the pages need beyond the app's state: cookies, session policy, form key."""

    pages: Pages
    policy: SessionPolicy
    sign_in_forms: SignInForms
    secure_cookies: bool

    @property
    def session_cookie(self) -> str:
        # __Host-: only this origin, over HTTPS, may set it (no subdomain can plant one).
        return "__Host-mash-session" if self.secure_cookies else "mash-session"

    @property
    def sign_in_cookie(self) -> str:
        return "__Host-mash-sign-in" if self.secure_cookies else "mash-sign-in"

    def set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="strict",
        )

    def clear_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(
            name, path="/", secure=self.secure_cookies, httponly=True, samesite="strict"
        )


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _record_reads(request: Request, session: WebSession, *case_ids: UUID) -> None:
    """Record the cases a page shows (or a search found) in the access log, before the
    page is sent: if they cannot be recorded, the page is refused (503)."""
    case_reads(request, session.actor).record(*case_ids)


def build_router(config: MashConfig) -> APIRouter:
    """The pages' routes, relative to the ``/mash`` mount."""
    router = APIRouter()
    pages = config.pages

    def application(request: Request) -> CaseTransferApplication:
        return service_of(request).application

    def store(request: Request) -> SessionStore:
        return SessionStore(service_of(request).engine, config.policy)

    def find_session(request: Request) -> WebSession | None:
        directory = service_of(request).principals
        cookie = request.cookies.get(config.session_cookie)
        found = store(request).find(cookie, directory, application(request).clock())
        if found is not None:
            note_principal(found.principal.name)
        return found

    # Pages that look a session up use the database: they take a turn to (store_turns).
    StoreTurn = Annotated[None, Depends(take_store_turn)]  # noqa: N806

    async def turn_if_signed_in(request: Request) -> None:
        """The sign-in page looks a session up only when the browser sends one."""
        if config.session_cookie in request.cookies:
            await take_store_turn()

    def require_session(request: Request, _: StoreTurn) -> WebSession:
        found = find_session(request)
        if found is None:
            raise SignInRequiredError(ended=config.session_cookie in request.cookies)
        return found

    # A type alias for the routes below; CapWords as FastAPI's own Annotated aliases are.
    Session = Annotated[WebSession, Depends(require_session)]  # noqa: N806

    def signed_in(
        session: WebSession, name: str, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return pages.render(
            name,
            status=status,
            session=session,
            csrf_token=session_token(session.session_id),
            role=_role_label(session),
            **context,
        )

    def search_again(session: WebSession, refused: forms.FormError, **typed: str) -> HTMLResponse:
        """The search page again, with what was typed and why it was refused."""
        return signed_in(session, "search.html", status=400, errors=[refused.error], typed=typed)

    def sign_in_page(
        request: Request, *, status: int = 200, errors: list[forms.FieldError] | None = None
    ) -> HTMLResponse:
        nonce = request.cookies.get(config.sign_in_cookie)
        if not is_nonce(nonce):
            nonce = new_nonce()
        assert nonce is not None
        token = config.sign_in_forms.issue(nonce, application(request).clock())
        response = pages.render(
            "sign_in.html",
            status=status,
            sign_in_token=token,
            errors=errors or [],
            signed_out="signed-out" in request.query_params,
        )
        config.set_cookie(response, config.sign_in_cookie, nonce, max_age=3600)
        return response

    @router.get("/sign-in", response_class=HTMLResponse, dependencies=[Depends(turn_if_signed_in)])
    def show_sign_in(request: Request) -> Response:
        if find_session(request) is not None:
            return _see_other(f"{PREFIX}/")
        return sign_in_page(request)

    @router.post("/sign-in", response_class=HTMLResponse)
    def sign_in(
        request: Request, _: StoreTurn, token: FormText = "", csrf_token: FormText = ""
    ) -> Response:
        now = application(request).clock()
        config.sign_in_forms.check(request.cookies.get(config.sign_in_cookie), csrf_token, now)
        if not token.strip():
            error = forms.FieldError("token", "Enter your sign-in token")
            return sign_in_page(request, status=400, errors=[error])
        principal = service_of(request).principals.authenticate(token.strip())
        if principal is None:
            error = forms.FieldError(
                "token", "Enter a sign-in token that is in use: this one is not recognised"
            )
            return sign_in_page(request, status=401, errors=[error])
        if not may_sign_in_to_pages(principal.role):
            error = forms.FieldError(
                "token",
                "Enter a MASH or auditor token: a local authority case system's token "
                "cannot sign in to these pages",
            )
            return sign_in_page(request, status=403, errors=[error])
        sessions = store(request)
        previous = request.cookies.get(config.session_cookie)
        if previous:
            sessions.end(previous, now)
        session = sessions.start(principal, now)
        note_principal(principal.name)
        response = _see_other(f"{PREFIX}/")
        lifetime = int(config.policy.lifetime.total_seconds())
        config.set_cookie(response, config.session_cookie, session.session_id, max_age=lifetime)
        config.clear_cookie(response, config.sign_in_cookie)
        return response

    @router.post("/sign-out")
    def sign_out(request: Request, session: Session, csrf_token: FormText = "") -> Response:
        check_session_token(session.session_id, csrf_token)
        store(request).end(session.session_id, application(request).clock())
        response = _see_other(f"{PREFIX}/signed-out")
        config.clear_cookie(response, config.session_cookie)
        return response

    @router.get("/signed-out", response_class=HTMLResponse)
    def signed_out() -> Response:
        return pages.render("signed_out.html")

    @router.get("/", response_class=HTMLResponse)
    def search_page(session: Session) -> Response:
        return signed_in(session, "search.html", typed={})

    @router.post("/search", response_class=HTMLResponse)
    def search(
        request: Request, session: Session, nhs_number: FormText = "", csrf_token: FormText = ""
    ) -> Response:
        check_session_token(session.session_id, csrf_token)
        try:
            digits = forms.nhs_number(nhs_number)
        except forms.FormError as refused:
            return search_again(session, refused, nhs_number=nhs_number)
        cases, _ = application(request).cases_for_child(session.actor, digits)
        _record_reads(request, session, *(case.id for case in cases))
        open_cases = [case for case in cases if case.status == OPEN]
        if open_cases:
            return _see_other(f"{PREFIX}/cases/{open_cases[0].id}")
        closed = ",".join(str(case.id) for case in cases[:_MAX_CLOSED_LISTED])
        return _see_other(f"{PREFIX}/no-open-case" + (f"?closed={closed}" if closed else ""))

    @router.post("/case-lookup", response_class=HTMLResponse)
    def case_lookup(
        session: Session, case_id: FormText = "", csrf_token: FormText = ""
    ) -> Response:
        check_session_token(session.session_id, csrf_token)
        try:
            found = forms.case_id(case_id)
        except forms.FormError as refused:
            return search_again(session, refused, case_id=case_id)
        return _see_other(f"{PREFIX}/cases/{found}")

    @router.get("/no-open-case", response_class=HTMLResponse)
    def no_open_case(request: Request, session: Session, closed: str = "") -> Response:
        listed = []
        for text in closed.split(",")[:_MAX_CLOSED_LISTED]:
            try:
                case, _ = application(request).case(session.actor, UUID(text))
            except (ValueError, NotFound):
                continue
            if case.status == OPEN:
                continue  # only ever listed here because it was closed
            closed_at = case.periods[-1].until if case.periods else None
            listed.append((str(case.id), words.when(closed_at) if closed_at else "closed"))
        _record_reads(request, session, *(UUID(case_id) for case_id, _ in listed))
        return signed_in(session, "no_case.html", reason="no-open-case", closed_cases=listed)

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case(request: Request, session: Session, case_id: str) -> Response:
        try:
            page = case_page(application(request), session.actor, UUID(case_id))
        except (ValueError, NotFound):
            return signed_in(
                session, "no_case.html", status=404, reason="no-such-case", closed_cases=[]
            )
        _record_reads(request, session, UUID(case_id))
        return signed_in(session, "case.html", page=page)

    return router


def _role_label(session: WebSession) -> str:
    principal = session.principal
    if principal.role == AUDITOR:
        return "Auditor"
    assert principal.authority is not None
    return f"MASH, {words.authority_label(principal.authority)}"
