"""Test support for the API tests: callers for each principal kind and small factories."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from fastapi.testclient import TestClient

from service.domain.calendar import london_date

# Short names for the development principals, plus one more authority's MASH.
NAMES = {
    "somerset": "Somerset case system",
    "bristol": "Bristol case system",
    "leeds": "Leeds case system",
    "mash": "Somerset MASH",
    "auditor": "Auditor",
}


@dataclass
class Clock:
    """Real time plus an offset a test may advance, to see a hand-over take effect."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(tz=UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def today(self) -> date:
        return london_date(self.now())


class Caller:
    """One principal's view of the API: ``api.somerset.post(...)``."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.post(url, json=json, headers=headers, **kwargs)


class Api:
    """Callers for every principal kind, and small factories for common steps."""

    def __init__(self, client: TestClient, tokens: dict[str, str], clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self.somerset = Caller(client, tokens["somerset"])
        self.bristol = Caller(client, tokens["bristol"])
        self.leeds = Caller(client, tokens["leeds"])
        self.mash = Caller(client, tokens["mash"])
        self.leeds_mash = Caller(client, tokens["leeds-mash"])
        self.auditor = Caller(client, tokens["auditor"])
        self.anonymous = Caller(client, None)

    def open_case(self, by: Caller | None = None, **overrides: Any) -> dict[str, Any]:
        body = {
            "local_reference": f"REF-{uuid4().hex[:8]}",
            "nhs_number": random_nhs_number(),
            "date_of_birth": "2019-05-04",
            **overrides,
        }
        response = (by or self.somerset).post("/v1/cases", json=body)
        assert response.status_code == 201, response.text
        case: dict[str, Any] = response.json()
        return case

    def propose(self, case_id: str, to: str = "801", by: Caller | None = None) -> str:
        response = (by or self.somerset).post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": to, "reason": "Family moved"}
        )
        assert response.status_code == 201, response.text
        transfer_id: str = response.json()["active_transfer"]["transfer_id"]
        return transfer_id

    def assess(self, case_id: str, by: Caller | None = None) -> httpx.Response:
        return (by or self.somerset).post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": self.clock.today().isoformat(),
                "factors": ["3A", "8B"],
                "primary_need_code": "N1",
                "summary": "Neglect concerns; the family needs support with housing.",
            },
        )

    def share(self, case_id: str, transfer_id: str, by: Caller | None = None) -> httpx.Response:
        return (by or self.somerset).post(
            f"/v1/cases/{case_id}/transfers/{transfer_id}/information-shared",
            json={
                "categories": ["assessment", "chronology"],
                "references": ["DOC-1"],
                "shared_on": self.clock.today().isoformat(),
            },
        )

    def agree_date(
        self,
        case_id: str,
        transfer_id: str,
        on: date,
        proposer: Caller | None = None,
        agreer: Caller | None = None,
    ) -> httpx.Response:
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        proposed = (proposer or self.somerset).post(
            f"{base}/date-proposals", json={"date": on.isoformat()}
        )
        assert proposed.status_code == 200, proposed.text
        return (agreer or self.bristol).post(
            f"{base}/date-agreement", json={"date": on.isoformat()}
        )

    def ready_to_accept(self, case_id: str, transfer_id: str, on: date | None = None) -> None:
        """Walk a transfer through the three steps before acceptance."""
        assert self.assess(case_id).status_code == 200
        assert self.share(case_id, transfer_id).status_code == 200
        when = on or self.clock.today() + timedelta(days=1)
        assert self.agree_date(case_id, transfer_id, when).status_code == 200

    def accept(self, case_id: str, transfer_id: str, by: Caller | None = None) -> httpx.Response:
        return (by or self.bristol).post(f"/v1/cases/{case_id}/transfers/{transfer_id}/acceptance")


def random_nhs_number() -> str:
    """A random NHS number with a valid Modulus 11 check digit."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        remainder = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 11 - remainder
        if check == 11:
            check = 0
        if check != 10 and len(set(digits)) > 1:
            return "".join(map(str, digits)) + str(check)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"] and body["title"] and body["detail"]
    return body
