"""Who may be told of what, where a notification may be sent, and when to try again.

Notifications follow the API's visibility (``access.may_see_event``), judged on the
case as it stands once each event is recorded: an authority is told of a case's
events while it is a party to the case, so the receiving authority hears of a case
from the proposal on, and never of what happened before it; a partner agency is told
of the events of the strategy discussions it is invited to and of the professional
differences it is a side of, and of nothing else of the case. A notification carries
what a case system needs to decide to look, not the record itself: which case, which
event, which transfer, discussion or difference, which authorities and agencies.
Personal data (NHS number, dates of birth) and free text (reasons, notes, accounts,
names) stay behind the API, where reads are authenticated and, for the MASH, auditors
and partners, recorded.

Subscriptions belong to an authority or a partner agency (every principal of it
manages the same ones).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from .access import DecisionCase, may_see_event
from .actors import AUTHORITY, PARTNER, Actor
from .case import CASE_TOPICS
from .errors import Forbidden, InvalidInput, NotFound

SUBSCRIBER_ROLES = (AUTHORITY, PARTNER)
"""Roles that may register endpoints: authorities' case systems and partner agencies."""

EVENT_TYPES = tuple(sorted(topic.rpartition(".")[2] for topic in CASE_TOPICS))
"""The event types a subscription may ask for, as the history and the feed name them."""

DECISION_FIELDS = frozenset(
    {
        "discussion_id",
        "difference_id",
        "dissent_id",
        "authority",
        "mode",
        "scheduled_for",
        "held_at",
        "outcome",
        "follow_up_on",
        "attended",
        "to",
        "circulated_at",
        "agency",
        "understood_outcome",
        "raised_by",
        "responded_by",
        "stage",
    }
)
"""The fields of a discussion's or difference's event a notification carries:
identifiers, agency and authority codes, dates, the outcome code and the stage (never
the chair, the reason, accounts, responses, statements or who holds a difference)."""

SHOWN_FIELDS: Mapping[str, frozenset[str]] = {
    AUTHORITY: DECISION_FIELDS
    | {
        "transfer_id",
        "from_authority",
        "to_authority",
        "date",
        "effective_at",
        "shared_on",
        "assessment_id",
        "corrects",
        "reason_code",
    },
    PARTNER: DECISION_FIELDS,
}
"""Per subscriber role, an event's fields a notification carries."""

METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


@dataclass(frozen=True)
class Subscriber:
    """Who owns a subscription: a role and the authority it acts for."""

    role: str
    authority: str


def subscriber_of(actor: Actor) -> Subscriber:
    """The owner of the subscriptions ``actor`` manages; refuses other roles (403)."""
    if actor.role not in SUBSCRIBER_ROLES or actor.authority is None:
        raise Forbidden(
            "Notifications are for case systems and partner agencies: an authority or "
            "partner principal registers endpoints.",
            code="subscriptions-not-for-role",
        )
    return Subscriber(actor.role, actor.authority)


@dataclass(frozen=True)
class Audience:
    """Who may be told of one event: per subscriber role, the authorities or agencies."""

    told: Mapping[str, frozenset[str]]

    def roles(self) -> list[str]:
        """The roles of which someone is told, in ``SUBSCRIBER_ROLES`` order."""
        return [role for role in SUBSCRIBER_ROLES if self.told.get(role)]


class CaseAfter(DecisionCase, Protocol):
    """A case once an event is recorded, as ``audience`` needs it."""

    def agencies_taking_part(self) -> set[str]: ...


def audience(case: CaseAfter, data: Mapping[str, object]) -> Audience:
    """Who may be told of an event with ``data``, on ``case`` once it is recorded: the
    parties and the agencies taking part, each asked of the access policy as the
    principal it would be (``may_see_event``)."""
    about = {
        "discussion_id": _uuid(data.get("discussion_id")),
        "difference_id": _uuid(data.get("difference_id")),
    }
    candidates = {AUTHORITY: case.parties(), PARTNER: case.agencies_taking_part()}
    return Audience(
        {
            role: frozenset(
                code
                for code in codes
                if may_see_event(Actor("subscriber", role, code), case, **about)
            )
            for role, codes in candidates.items()
        }
    )


def _uuid(value: object) -> UUID | None:
    """An event's id field as stored (a UUID), or as text should a transcoder give one."""
    if value is None or isinstance(value, UUID):
        return value
    return UUID(str(value))


def entitled(subscriber: Subscriber, told: Audience) -> bool:
    """Whether ``subscriber`` is told of an event whose audience is ``told``."""
    return subscriber.authority in told.told.get(subscriber.role, frozenset())


def wanted(event_type: str, event_types: Sequence[str] | None) -> bool:
    """Whether a subscription that asked for ``event_types`` (None: every type) wants it."""
    return not event_types or event_type in event_types


def check_event_types(event_types: Sequence[str] | None) -> list[str] | None:
    """The event types asked for, each known, once each; 422 ``unknown-event-type``."""
    if event_types is None:
        return None
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"Unknown event type {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}.",
            code="unknown-event-type",
        )
    return sorted(set(event_types))


def shown_fields(data: Mapping[str, object], role: str) -> dict[str, object]:
    """The fields of an event's data a notification to ``role`` carries (``SHOWN_FIELDS``)."""
    shown = SHOWN_FIELDS.get(role, frozenset())
    return {name: value for name, value in data.items() if name in shown}


def no_such_subscription() -> NotFound:
    """Another authority's subscription, like one that never existed: 404."""
    return NotFound("No such subscription.", code="subscription-not-found")


def no_such_delivery() -> NotFound:
    return NotFound("No such delivery of this subscription.", code="delivery-not-found")


# ---- where a notification may be sent -----------------------------------------------------


@dataclass(frozen=True)
class EndpointPolicy:
    """Where notifications may go: production wants HTTPS to public addresses, except
    the hosts or networks an operator allows by name; development also takes HTTP to
    the loopback interface (a receiver on the developer's machine)."""

    production: bool
    allowed: tuple[str, ...] = ()

    def check(self, scheme: str, host: str, addresses: Sequence[str]) -> None:
        """Refuse (422) an endpoint at ``host``, which resolved to ``addresses``."""
        loopback = bool(addresses) and all(_ip(a).is_loopback for a in addresses)
        if scheme != "https" and not (scheme == "http" and loopback and not self.production):
            raise InvalidInput(
                "Endpoints must use https (http only to a loopback address in development).",
                code="endpoint-not-https",
            )
        if not self.production or self._allows(host, addresses):
            return
        for address in addresses:
            ip = _ip(address)
            if ip in METADATA_ADDRESSES:
                raise InvalidInput(
                    f"{host} resolves to a cloud metadata address.",
                    code="endpoint-metadata-address",
                )
            if not ip.is_global or ip.is_multicast:
                raise InvalidInput(
                    f"{host} resolves to a private, loopback or link-local address; an operator "
                    "may allow it with CASE_TRANSFER_NOTIFY_ALLOWED_HOSTS.",
                    code="endpoint-private-address",
                )

    def _allows(self, host: str, addresses: Sequence[str]) -> bool:
        names = {entry.lower() for entry in self.allowed if not _is_network(entry)}
        if host.lower() in names:
            return True
        networks = [
            ipaddress.ip_network(entry, strict=False)
            for entry in self.allowed
            if _is_network(entry)
        ]
        return bool(addresses) and all(
            any(_ip(a) in network for network in networks) for a in addresses
        )


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(address.split("%", 1)[0])


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


# ---- when to try again ---------------------------------------------------------------------


@dataclass(frozen=True)
class RetrySchedule:
    """Exponential back-off with jitter: the n-th wait is ``base * 2**(n-1)``, capped at
    ``cap``, each drawn between half and all of that so that receivers coming back are
    not hit by every sender at once; a delivery is given up once it has failed for
    ``window``, and a subscription failing for ``disable_after`` is disabled."""

    base: timedelta
    cap: timedelta
    window: timedelta
    disable_after: timedelta

    def wait(self, attempts: int, draw: random.Random | None = None) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        full: timedelta = min(self.cap, self.base * (2 ** min(max(attempts - 1, 0), 40)))
        fraction = draw.uniform(0.5, 1.0) if draw else random.uniform(0.5, 1.0)
        return full * fraction

    def gives_up(self, first_failed_at: datetime, now: datetime) -> bool:
        return now - first_failed_at >= self.window

    def disables(self, failing_since: datetime, now: datetime) -> bool:
        return now - failing_since >= self.disable_after
