"""Test support for the list routes: read a list, check its log position, walk its pages."""

from __future__ import annotations

from typing import Any

import httpx

from .support import Caller

Body = dict[str, Any]


def position_of(response: httpx.Response) -> int:
    """The X-Log-Position a response carries (every write and every list has one)."""
    value = response.headers.get("X-Log-Position")
    assert value is not None and value.isdigit(), (response.status_code, dict(response.headers))
    return int(value)


def read(caller: Caller, url: str, *, after: httpx.Response | None = None, **params: Any) -> Body:
    """A list's body, answered 200; ``after`` a write, the list must reflect it (>= position)."""
    response = caller.get(url, params=params)
    assert response.status_code == 200, response.text
    position = position_of(response)
    if after is not None:
        assert after.status_code in (200, 201), after.text
        assert position >= position_of(after)
    body: Body = response.json()
    return body


def walk(caller: Caller, url: str, limit: int, **params: Any) -> list[list[Body]]:
    """Every page of a list, following ``next`` from the first page to the last."""
    pages: list[list[Body]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = read(caller, url, **query)
        pages.append(body["items"])
        assert len(body["items"]) <= limit
        cursor = body["next"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the pages never end"


def ids(items: list[Body], key: str = "case_id") -> list[str]:
    return [str(item[key]) for item in items]


def case_ids(caller: Caller, url: str, **params: Any) -> set[str]:
    """The case ids on the first page of a list of cases (fresh stores: one page)."""
    return set(ids(read(caller, url, **params)["items"]))
