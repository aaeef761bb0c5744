"""What the OpenAPI document cannot say, told to schemathesis as a peer runs it.

The document states every shape the service accepts; a few rules no JSON Schema can
state remain, each refused with 422 and a stable code, rightly: a public-sector record
must not take an NHS number whose check digit fails, or a date of birth 80 years ago.
A fuzzer that sends such values as "valid" would report the service for refusing them,
so this module adjusts only the requests schemathesis generated as valid (positive
mode), just before they are sent, to what a case system would send:

- an NHS number's Modulus 11 check digit (no pattern can compute one; the document
  names it with ``format: nhs-number`` and says so);
- dates bounded by today (a date of birth within the last 25 years, an expected one
  within ten months, an assessment or a share not in the future, a transfer date from
  today to the horizon, instants of what has happened not in the future);
- an Idempotency-Key per request (a key sent again with another body is 422
  ``idempotency-key-reused`` by design, as the IETF draft says; generated keys repeat);
- no If-Match (a case system sends the ETag it read; a made-up version is 412 for
  the state of the case, which a generator cannot know, and would keep every step
  from reaching the rules);
- no cursor (only the service makes one: the ``next`` of a page; any other is 422
  ``invalid-cursor``), and no assessment to correct (``corrects`` names one from the
  case's history; any other is 422 ``unknown-assessment``);
- a subscription endpoint that resolves (development takes HTTP to the loopback);
- each agency invited to a discussion once; in its outcome and circulation, only
  agencies it knows (``after_call`` remembers them from the answers, as the convening
  case system knows them);
- text as the record takes it (``service.domain.text``): not blank, and no control,
  format, private-use, unassigned or surrogate character, which no pattern can list
  for every Unicode version.

Requests generated as invalid are sent as generated: the service must refuse them.
``schemathesis.toml`` loads this through ``tests/schemathesis_peer.py`` for
``schemathesis run openapi/openapi.json`` run from the repository root;
``test_fuzz_stateful`` installs it for its in-process run. Nothing here is imported
by the service.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import schemathesis
from requests.structures import CaseInsensitiveDict

from service.domain.text import matching_form

LONDON = ZoneInfo("Europe/London")
REFUSED = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}  # Unicode categories of refused text
ENDPOINT = "http://127.0.0.1:9/case-transfer-peer"  # loopback: development takes HTTP


def nhs_number(like: str) -> str:
    """A valid NHS number made from the digits of ``like``: its first nine, the check
    digit computed, never one repeated digit (placeholders are refused)."""
    digits = ("".join(c for c in like if c.isdigit()) + "123456789")[:9]
    for bump in range(10):
        first = digits[:8] + str((int(digits[8]) + bump) % 10)
        total = sum(int(d) * w for d, w in zip(first, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10 and len(set(first + str(check))) > 1:
            return first + str(check)
    raise AssertionError("unreachable: some last digit always gives a check digit")


def _text(value: Any) -> Any:
    """Strings with only what every text field and identifier takes (``matching_form``
    keeps a character as it is: NFKC, no control, format or invisible one), and a
    letter for one left blank."""
    if isinstance(value, str):
        kept = "".join(
            c
            for c in value
            if c == " " or (unicodedata.category(c) not in REFUSED and matching_form(c) == c)
        )
        return kept if kept.strip() else kept + "x"
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value


def _adjustments(today: date, now: datetime) -> dict[str, Callable[[dict[str, Any]], None]]:
    """Per operation, how its dates are made acceptable today, and the ids only the
    case's history gives left out."""
    past = (now - timedelta(minutes=1)).isoformat()
    week = (today + timedelta(days=7)).isoformat()

    def setting(**values: str | None) -> Callable[[dict[str, Any]], None]:
        def set_them(body: dict[str, Any]) -> None:
            body.update({name: value for name, value in values.items() if name in body})

        return set_them

    def opening(body: dict[str, Any]) -> None:
        """The date of birth (or the expected one) plausible: the document says one of them
        is given."""
        if body.get("date_of_birth") is not None:
            body["date_of_birth"] = (today - timedelta(days=4000)).isoformat()
        if body.get("expected_date_of_birth") is not None:
            body["expected_date_of_birth"] = (today + timedelta(days=90)).isoformat()

    def assessment(body: dict[str, Any]) -> None:
        """Completed today; ``corrects`` names an assessment from the case's history."""
        body.update(completed_on=today.isoformat(), corrects=None)

    def convening(body: dict[str, Any]) -> None:
        """Each agency invited once (422 ``agency-invited-twice``): JSON Schema's
        ``uniqueItems`` compares whole items, not their codes."""
        if isinstance(body.get("invited"), list):
            once = {agency.get("code"): agency for agency in body["invited"]}
            body["invited"] = list(once.values())

    return {
        "openCase": opening,
        "conveneDiscussion": convening,
        "recordAssessment": assessment,
        "shareInformation": setting(shared_on=today.isoformat()),
        "proposeTransferDate": setting(date=week),
        "agreeTransferDate": setting(date=week),
        "recordDiscussionOutcome": setting(held_at=past, follow_up_on=week),
        "circulateMinutes": setting(circulated_at=past),
        "createSubscription": setting(url=ENDPOINT),
    }


def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: Any
) -> None:
    """Make a request generated as valid what a case system would send (module docstring)."""
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_positive:
        return
    # Whole containers are assigned back: schemathesis hands out copies.
    headers = CaseInsensitiveDict(case.headers or {})
    if "idempotency-key" in headers:
        headers["idempotency-key"] = uuid4().hex
    headers.pop("if-match", None)
    case.headers = headers
    if case.query:
        query = {k: _text(v) for k, v in case.query.items() if k != "cursor"}
        if isinstance(query.get("nhs_number"), str):
            query["nhs_number"] = nhs_number(query["nhs_number"])
        case.query = query
    if isinstance(case.body, dict):
        body = _text(case.body)
        if isinstance(body.get("nhs_number"), str):
            body["nhs_number"] = nhs_number(body["nhs_number"])
        now = datetime.now(LONDON)
        adjust = _adjustments(now.date(), now).get(
            str(case.operation.definition.raw.get("operationId"))
        )
        if adjust is not None:
            adjust(body)
        _agencies(case, body)
        case.body = body


def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], response: Any
) -> None:
    """Remember the agencies each discussion knows (its convener and those invited), as
    the case system that convened it does: an outcome or a circulation may name only
    them (422 ``agency-not-invited``), which depends on the discussion, not on a schema."""
    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and {"discussion_id", "invited", "convened_by"} <= body.keys():
        codes = [body["convened_by"]["code"], *(agency["code"] for agency in body["invited"])]
        KNOWN_AGENCIES[str(body["discussion_id"])] = codes


def _agencies(case: schemathesis.Case[Any], body: dict[str, Any]) -> None:
    """Only agencies the discussion knows, in an outcome's ``attended`` and a
    circulation's ``to``; a discussion never seen (a 404 to come) is left alone."""
    known = KNOWN_AGENCIES.get(str((case.path_parameters or {}).get("discussion_id")))
    if known is None:
        return
    if isinstance(body.get("attended"), list):
        body["attended"] = [code for code in body["attended"] if code in known]
    if isinstance(body.get("to"), list):
        body["to"] = [code for code in body["to"] if code in known] or known[:1]


KNOWN_AGENCIES: dict[str, list[str]] = {}  # discussion id: its convener and invited codes


def install() -> None:
    """Register the hooks globally (schemathesis calls ``before_call`` only so)."""
    schemathesis.hook(before_call)
    schemathesis.hook(after_call)


def uninstall() -> None:
    """Unregister them, so other in-process fuzzing sends what it generated."""
    schemathesis.hooks.unregister(before_call)
    schemathesis.hooks.unregister(after_call)
    KNOWN_AGENCIES.clear()
