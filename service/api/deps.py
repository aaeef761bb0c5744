"""Dependencies every route shares, as ``Annotated`` aliases: who is calling, the
application, the read models, the access log and checkpoints, how a change was asked
for (Idempotency-Key, If-Match), and the ids in a path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from service.application import CaseTransferApplication, ChangeRequest, Outcome
from service.application.idempotency import RequestIdentity
from service.audit.access_log import AccessLog
from service.audit.ledger import Checkpoints
from service.domain.access import no_such_case
from service.domain.actors import Actor
from service.domain.case import decision_rules
from service.domain.case.rules import no_such_transfer
from service.domain.errors import InvalidInput
from service.http.context import note_principal
from service.http.reads import CaseReadRecorder, case_reads, service_of
from service.http.store_turns import take_store_turn
from service.notifications.subscriptions import Subscriptions
from service.projections.queries import ReadModels

from .answers import case_answer
from .errors import UnauthenticatedError
from .schemas import CaseView

_bearer = HTTPBearer(auto_error=False, description="A principal's token")


# Every dependency that hands a route something backed by the database first takes a
# turn to use it (``service.http.store_turns``); a route that asks for none never waits.
# Every dependency here is ``async def`` and does no I/O: FastAPI runs a plain ``def``
# dependency in the thread pool, and each such hand-off (a queue put, a thread woken,
# the GIL passed back and forth) cost more than the check itself. The routes' own work
# goes to the pool once (``service.api.routing``).


async def _application(request: Request) -> CaseTransferApplication:
    await take_store_turn()
    return service_of(request).application


async def _read_models(request: Request) -> ReadModels:
    await take_store_turn()
    return service_of(request).read_models


async def _access_log(request: Request) -> AccessLog:
    await take_store_turn()
    return service_of(request).access_log


async def _subscriptions(request: Request) -> Subscriptions:
    await take_store_turn()
    return service_of(request).subscriptions


async def _checkpoints(request: Request) -> Checkpoints:
    await take_store_turn()
    checkpoints = service_of(request).checkpoints
    assert checkpoints is not None  # made when the service started serving
    return checkpoints


async def _actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise UnauthenticatedError("Send Authorization: Bearer <token>.")
    principal = service_of(request).principals.authenticate(credentials.credentials)
    if principal is None:
        raise UnauthenticatedError("The token is not recognised.")
    note_principal(principal.name)
    return Actor(principal.name, principal.role, principal.acts_for)


async def _case_id(case_id: str) -> UUID:
    """Malformed ids name no case: 404, like any other case the caller cannot see."""
    try:
        return UUID(case_id)
    except ValueError:
        raise no_such_case() from None


async def _transfer_id(transfer_id: str) -> UUID:
    try:
        return UUID(transfer_id)
    except ValueError:
        raise no_such_transfer() from None


async def _discussion_id(discussion_id: str) -> UUID:
    try:
        return UUID(discussion_id)
    except ValueError:
        raise decision_rules.no_such_discussion() from None


async def _dissent_id(dissent_id: str) -> UUID:
    try:
        return UUID(dissent_id)
    except ValueError:
        raise decision_rules.no_such_dissent() from None


async def _difference_id(difference_id: str) -> UUID:
    try:
        return UUID(difference_id)
    except ValueError:
        raise decision_rules.no_such_difference() from None


@dataclass(frozen=True)
class ChangeContext:
    """The headers of a POST, turned into a ``ChangeRequest`` once its body is parsed."""

    actor: Actor
    method: str
    path: str
    idempotency_key: str | None
    if_match: str | None

    def request(self, body: BaseModel | None = None) -> ChangeRequest:
        identity = None
        if self.idempotency_key is not None:
            payload = body.model_dump(mode="json") if body is not None else None
            identity = RequestIdentity.of(
                self.actor.name, self.idempotency_key, self.method, self.path, payload
            )
        return ChangeRequest(identity=identity, expected_version=_version(self.if_match))


_IF_MATCH = re.compile(r'(?:W/)?(?:"([0-9]{1,18})"|([0-9]{1,18}))')
"""A case version as an entity tag (``"3"``, ``W/"3"``) or bare (``3``); ASCII digits
only. The document states the same pattern (``openapi_shape.IF_MATCH_PATTERN``)."""


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    matched = _IF_MATCH.fullmatch(if_match.strip())
    if matched is None:
        raise InvalidInput('If-Match must be a case version, e.g. "3".', code="invalid-if-match")
    return int(matched.group(1) or matched.group(2))


async def _change_context(
    request: Request,
    actor: Annotated[Actor, Depends(_actor)],
    idempotency_key: Annotated[
        str | None,
        Header(description="Retry safely: the same key and body returns the first answer"),
    ] = None,
    if_match: Annotated[
        str | None, Header(description='The case version you acted on, e.g. "3"')
    ] = None,
) -> ChangeContext:
    return ChangeContext(actor, request.method, request.url.path, idempotency_key, if_match)


@dataclass(frozen=True)
class CaseStep:
    """A POST that changes a case: who asks and how, the application, and the response
    whose headers the answer sets."""

    change: ChangeContext
    app: CaseTransferApplication
    response: Response

    @property
    def actor(self) -> Actor:
        return self.change.actor

    def request(self, body: BaseModel | None = None) -> ChangeRequest:
        return self.change.request(body)

    def answer(self, outcome: Outcome, *, location: str | None = None) -> CaseView:
        return case_answer(outcome, self.response, location=location)

    def run(
        self,
        use_case: Callable[..., Outcome],
        *ids: UUID,
        body: BaseModel | None = None,
        **fields: Any,
    ) -> CaseView:
        """Run the application's ``use_case`` on the case (and transfer) ``ids``, with the
        body's fields (or ``fields``, where a field is named otherwise), and answer with
        the case view it leads to."""
        given = fields or (body.model_dump() if body is not None else {})
        return self.answer(use_case(self.app, self.actor, *ids, self.request(body), **given))


async def _case_step(
    change: Annotated[ChangeContext, Depends(_change_context)],
    app: Annotated[CaseTransferApplication, Depends(_application)],
    response: Response,
) -> CaseStep:
    return CaseStep(change, app, response)


async def _case_reads(
    request: Request, actor: Annotated[Actor, Depends(_actor)]
) -> CaseReadRecorder:
    await take_store_turn()
    return case_reads(request, actor)


App = Annotated[CaseTransferApplication, Depends(_application)]
Lists = Annotated[ReadModels, Depends(_read_models)]
CurrentActor = Annotated[Actor, Depends(_actor)]
Change = Annotated[ChangeContext, Depends(_change_context)]
CaseId = Annotated[UUID, Depends(_case_id)]
TransferId = Annotated[UUID, Depends(_transfer_id)]
DiscussionId = Annotated[UUID, Depends(_discussion_id)]
DissentId = Annotated[UUID, Depends(_dissent_id)]
DifferenceId = Annotated[UUID, Depends(_difference_id)]
CaseReads = Annotated[CaseReadRecorder, Depends(_case_reads)]
AccessLogs = Annotated[AccessLog, Depends(_access_log)]
Ledger = Annotated[Checkpoints, Depends(_checkpoints)]
Step = Annotated[CaseStep, Depends(_case_step)]
Notifications = Annotated[Subscriptions, Depends(_subscriptions)]
