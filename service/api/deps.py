"""Dependencies every route shares, as ``Annotated`` aliases: who is calling, the
application, the read models, and how a change was asked for (Idempotency-Key, If-Match)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from service.application import CaseTransferApplication, ChangeRequest
from service.domain.actors import Actor
from service.domain.errors import InvalidInput, NotFound
from service.idempotency import RequestIdentity
from service.principals import PrincipalDirectory
from service.projections.queries import ReadModels

from .observability import note_principal
from .problems import UnauthenticatedError

_bearer = HTTPBearer(auto_error=False, description="A principal's token")


def _application(request: Request) -> CaseTransferApplication:
    application: CaseTransferApplication = request.app.state.application
    return application


def _read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


def _actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise UnauthenticatedError("Send Authorization: Bearer <token>.")
    directory: PrincipalDirectory = request.app.state.principals
    principal = directory.authenticate(credentials.credentials)
    if principal is None:
        raise UnauthenticatedError("The token is not recognised.")
    note_principal(principal.name)
    return Actor(principal.name, principal.role, principal.authority)


def _case_id(case_id: str) -> UUID:
    """Malformed ids name no case: 404, like any other case the caller cannot see."""
    try:
        return UUID(case_id)
    except ValueError:
        raise NotFound("No such case.", code="case-not-found") from None


def _transfer_id(transfer_id: str) -> UUID:
    try:
        return UUID(transfer_id)
    except ValueError:
        raise NotFound("No such transfer on this case.", code="transfer-not-found") from None


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


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or len(tag) > 18:
        raise InvalidInput('If-Match must be a case version, e.g. "3".', code="invalid-if-match")
    return int(tag)


def _change_context(
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


App = Annotated[CaseTransferApplication, Depends(_application)]
Lists = Annotated[ReadModels, Depends(_read_models)]
CurrentActor = Annotated[Actor, Depends(_actor)]
Change = Annotated[ChangeContext, Depends(_change_context)]
CaseId = Annotated[UUID, Depends(_case_id)]
TransferId = Annotated[UUID, Depends(_transfer_id)]
