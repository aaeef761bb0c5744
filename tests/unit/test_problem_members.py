"""A refusal's extension members are declared on ``Problem``, so the OpenAPI document
lists every member a problem body can hold."""

from __future__ import annotations

import json

import pytest

from service.http.problem import problem


def test_a_declared_member_is_sent() -> None:
    response = problem(
        409,
        "child-has-open-case",
        "Refused",
        "Held elsewhere.",
        extensions={"responsible_authority": {"code": "933", "name": "Somerset"}},
    )

    body = json.loads(bytes(response.body))
    assert body["responsible_authority"] == {"code": "933", "name": "Somerset"}


def test_an_undeclared_member_is_a_bug_not_a_silent_extra() -> None:
    with pytest.raises(ValueError, match="case_id"):
        problem(409, "refused", "Refused", "No.", extensions={"case_id": "x"})


def test_a_member_cannot_replace_a_standard_one() -> None:
    response = problem(422, "invalid-request", "Invalid", "Bad.", extensions={"code": "other"})

    assert json.loads(bytes(response.body))["code"] == "invalid-request"
