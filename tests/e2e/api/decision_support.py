"""Steps of strategy discussions and professional differences over HTTP, for the tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from .support import Api, Caller

INVITED = [
    {"code": "police-avon-somerset", "kind": "police", "name": "Avon and Somerset Police"},
    {"code": "hospital-musgrove", "kind": "hospital", "name": "Musgrove Park Hospital"},
    {"code": "gp-riverside", "kind": "gp", "name": "Riverside Surgery"},
]
ATTENDED = ["933", "police-avon-somerset", "hospital-musgrove"]
EVERYONE = ["police-avon-somerset", "hospital-musgrove", "gp-riverside"]


def discussions_url(case_id: str, discussion_id: str = "", step: str = "") -> str:
    url = f"/v1/cases/{case_id}/strategy-discussions"
    return "/".join(part for part in (url, discussion_id, step) if part)


def differences_url(case_id: str, difference_id: str = "", step: str = "") -> str:
    url = f"/v1/cases/{case_id}/professional-differences"
    return "/".join(part for part in (url, difference_id, step) if part)


def iso(api: Api, **delta: float) -> str:
    return (api.clock.now() + timedelta(**delta)).isoformat()


def convene(api: Api, case_id: str, by: Caller | None = None, **overrides: Any) -> httpx.Response:
    body = {
        "scheduled_for": iso(api, hours=1),
        "mode": "virtual",
        "chair": "Team manager, Somerset MASH",
        "reason": "Unexplained bruising to a 10-week-old baby.",
        "invited": INVITED,
        **overrides,
    }
    return (by or api.somerset).post(discussions_url(case_id), json=body)


def hold(
    api: Api, case_id: str, discussion_id: str, by: Caller | None = None, **overrides: Any
) -> httpx.Response:
    body = {
        "held_at": iso(api, minutes=-1),
        "attended": ATTENDED,
        "outcome": "section-47-enquiry",
        "rationale": "Injury to a non-mobile baby without an explanation.",
        **overrides,
    }
    return (by or api.somerset).post(discussions_url(case_id, discussion_id, "outcome"), json=body)


def circulate(
    api: Api, case_id: str, discussion_id: str, to: list[str] | None = None
) -> httpx.Response:
    body = {"to": EVERYONE if to is None else to, "circulated_at": iso(api, seconds=-1)}
    return api.somerset.post(discussions_url(case_id, discussion_id, "minutes"), json=body)


def minuted(api: Api, case_id: str) -> str:
    """A discussion convened, held and minuted to everyone; its id."""
    convened = convene(api, case_id)
    assert convened.status_code == 201, convened.text
    discussion_id: str = convened.json()["discussion_id"]
    assert hold(api, case_id, discussion_id).status_code == 200
    assert circulate(api, case_id, discussion_id).status_code == 200
    return discussion_id


def dissent(api: Api, case_id: str, discussion_id: str, by: Caller | None = None) -> httpx.Response:
    return (by or api.hospital).post(
        discussions_url(case_id, discussion_id, "dissents"),
        json={
            "account": "We left believing a section 47 enquiry would start.",
            "understood_outcome": "section-47-enquiry",
        },
    )


def raise_difference(
    api: Api, case_id: str, by: Caller | None = None, **overrides: Any
) -> httpx.Response:
    body = {
        "responded_by": "933",
        "about": "The outcome recorded after the strategy discussion.",
        "disputed": "No further action was recorded; we agreed a section 47 enquiry.",
        "outcome_sought": "A section 47 enquiry.",
        "held_by": "Named nurse for safeguarding",
        **overrides,
    }
    return (by or api.hospital).post(differences_url(case_id), json=body)


def dissent_id_of(response: httpx.Response) -> str:
    location = response.headers["Location"]
    return location.rsplit("/", 1)[-1]
