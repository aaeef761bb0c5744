"""One exception class per family of problems the service answers, each with its ``code``.

Branch on the class for the family (``NotFoundError``), and on ``code`` for the rule
(``except RuleRefusedError as refusal: if refusal.code == "assessment-required"``).
An answer that is not problem+json (a proxy's 502 page) still raises the class of its
status, with a code made of the status (``http-502``).
"""

from __future__ import annotations

import json

import httpx
from pydantic import ValidationError

from .models import Problem


class CaseTransferError(Exception):
    """The base of every error this client raises."""


class ProblemError(CaseTransferError):
    """Raised when the service answers with a problem (4xx or 5xx); the base of the
    families below, and raised itself for a status none of them covers."""

    def __init__(self, problem: Problem, response: httpx.Response) -> None:
        super().__init__(f"{problem.status} {problem.code}: {problem.detail or problem.title}")
        self.problem = problem
        self.response = response

    @property
    def status(self) -> int:
        return self.problem.status

    @property
    def code(self) -> str:
        """The service's stable, machine-readable code, e.g. ``assessment-required``."""
        return self.problem.code

    @property
    def request_id(self) -> str | None:
        """Quote it when reporting a problem: it names the request in the service's logs."""
        return self.problem.request_id or self.response.headers.get("x-request-id")


class UnauthenticatedError(ProblemError):
    """Raised on 401: no token, or one the service does not recognise."""


class ForbiddenError(ProblemError):
    """Raised on 403: the principal's role may not do this at all."""


class NotFoundError(ProblemError):
    """Raised on 404: no such case or transfer, or not one this principal may see."""


class RuleRefusedError(ProblemError):
    """Raised on 409: a rule refuses the step; ``code`` names the rule."""


class StaleVersionError(ProblemError):
    """Raised on 412: ``expected_version`` is not the case's version any more.

    Read the case again, decide again, and send its new ``version``.
    """


class PayloadTooLargeError(ProblemError):
    """Raised on 413: the request body is larger than the service accepts."""


class InvalidRequestError(ProblemError):
    """Raised on 422: malformed input; ``problem.errors`` says where, field by field."""


class UnavailableError(ProblemError):
    """Raised on 503 once the retries allowed are spent: the store is unavailable."""


class ServiceUnreachableError(CaseTransferError):
    """Raised when the service cannot be reached (connection refused, reset, timed out)
    once the retries allowed are spent; the last transport error is its ``__cause__``.

    ``request`` is the request as sent: to try the change again later, send its
    ``Idempotency-Key`` header as ``idempotency_key=``.
    """

    def __init__(self, message: str, request: httpx.Request) -> None:
        super().__init__(message)
        self.request = request


class InvalidNotificationError(CaseTransferError, ValueError):
    """Raised when a notification's signature, timestamp or headers do not verify."""


FAMILIES: dict[int, type[ProblemError]] = {
    401: UnauthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: RuleRefusedError,
    412: StaleVersionError,
    413: PayloadTooLargeError,
    422: InvalidRequestError,
    503: UnavailableError,
}


def problem_of(response: httpx.Response) -> Problem:
    """The problem a response carries; one made from its status if it carries none."""
    try:
        return Problem.model_validate_json(response.content)
    except (ValidationError, json.JSONDecodeError, UnicodeDecodeError):
        return Problem(
            type="about:blank",
            title=response.reason_phrase,
            status=response.status_code,
            detail=response.reason_phrase,
            code=f"http-{response.status_code}",
        )


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the family's exception if the response is an error; return if it is not."""
    if response.is_success:
        return
    family = FAMILIES.get(response.status_code, ProblemError)
    raise family(problem_of(response), response)
