"""The committed OpenAPI document is the contract LA systems code against: it must match
the code, and every operation must document the problems it can answer."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from service.api.app import openapi_document
from tests.paths import REPOSITORY

COMMITTED = REPOSITORY / "openapi" / "openapi.json"
PROBLEM_JSON = "application/problem+json"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return parsed


def _operations(document: dict[str, Any], prefix: str = "/") -> Iterator[Operation]:
    for path, item in document["paths"].items():
        if path.startswith(prefix):
            for method, operation in item.items():
                if method in METHODS:
                    yield method.upper(), path, operation


def _names(operations: list[Operation]) -> list[str]:
    return [f"{method} {path}" for method, path, _ in operations]


class TestCommittedDocument:
    def test_matches_the_code(self) -> None:
        committed = COMMITTED.read_text(encoding="utf-8")
        generated = openapi_document()
        if generated != committed:
            diff = "".join(
                list(
                    difflib.unified_diff(
                        committed.splitlines(keepends=True),
                        generated.splitlines(keepends=True),
                        "openapi/openapi.json (committed)",
                        "openapi_document() (from the code)",
                    )
                )[:80]
            )
            pytest.fail(
                "openapi/openapi.json is out of date with the code. Regenerate it with "
                "`case-transfer openapi` (or `make openapi`), review the diff and commit "
                f"it.\n{diff}",
                pytrace=False,
            )

    def test_is_stable_from_one_generation_to_the_next(self) -> None:
        assert openapi_document() == openapi_document()


class TestDocumentedProblems:
    def test_every_v1_operation_documents_401_422_and_503_as_problems(
        self, document: dict[str, Any]
    ) -> None:
        operations = list(_operations(document, "/v1/"))
        assert len(operations) >= 17  # every route of the DESIGN.md table
        missing = [
            f"{method} {path}: {status}"
            for method, path, operation in operations
            for status in ("401", "422", "503")
            if PROBLEM_JSON not in operation["responses"].get(status, {}).get("content", {})
        ]
        assert missing == []

    def test_every_post_on_a_case_documents_404_and_409_as_problems(
        self, document: dict[str, Any]
    ) -> None:
        posts = [
            (method, path, operation)
            for method, path, operation in _operations(document, "/v1/cases/{case_id}")
            if method == "POST"
        ]
        assert len(posts) >= 11, _names(posts)
        missing = [
            f"{method} {path}: {status}"
            for method, path, operation in posts
            for status in ("404", "409")
            if PROBLEM_JSON not in operation["responses"].get(status, {}).get("content", {})
        ]
        assert missing == []

    def test_every_post_documents_its_idempotency_key_and_if_match_headers(
        self, document: dict[str, Any]
    ) -> None:
        missing = [
            f"{method} {path}: {header}"
            for method, path, operation in _operations(document, "/v1/")
            if method == "POST"
            for header in ("idempotency-key", "if-match")
            if not (header == "if-match" and path.startswith("/v1/subscriptions"))  # no version
            if header
            not in {
                p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
            }
        ]
        assert missing == []

    def test_the_problem_schema_names_the_contract_fields(self, document: dict[str, Any]) -> None:
        problem = document["components"]["schemas"]["Problem"]
        assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])

    def test_every_error_response_documents_the_problem_schema_as_problem_json(
        self, document: dict[str, Any]
    ) -> None:
        wrong = [
            f"{method} {path}: {status}"
            for method, path, operation in _operations(document)
            for status, response in operation["responses"].items()
            if int(status) >= 400
            and response.get("content", {}).get(PROBLEM_JSON, {}).get("schema")
            != {"$ref": "#/components/schemas/Problem"}
        ]
        assert wrong == []


class TestCleanCode:
    """What a generated client needs: method names, plain types, headers, links."""

    def test_every_operation_has_a_short_unique_operation_id(
        self, document: dict[str, Any]
    ) -> None:
        ids = [operation.get("operationId", "") for _, _, operation in _operations(document)]
        assert len(ids) == len(set(ids))
        assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i)] == []
        names = {f"{m} {p}": op["operationId"] for m, p, op in _operations(document)}
        assert names["POST /v1/cases/{case_id}/transfers/{transfer_id}/acceptance"] == (
            "acceptTransfer"
        )
        assert names["POST /v1/subscriptions"] == "createSubscription"

    def test_headers_sent_are_plain_strings(self, document: dict[str, Any]) -> None:
        schemas = {
            parameter["name"]: parameter["schema"]
            for _, _, operation in _operations(document)
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "header"
        }
        assert {name: s["type"] for name, s in schemas.items()} == {
            "idempotency-key": "string",
            "if-match": "string",
        }
        assert re.fullmatch(schemas["if-match"]["pattern"], 'W/"3"')

    def test_path_ids_are_uuids_and_authority_codes_three_digits(
        self, document: dict[str, Any]
    ) -> None:
        paths = {
            p["name"]: p["schema"]
            for _, _, operation in _operations(document)
            for p in operation.get("parameters", [])
            if p["in"] == "path"
        }
        assert {n: s.get("format") for n, s in paths.items() if n != "code"} == {
            n: "uuid" for n in paths if n != "code"
        }
        assert paths["code"] == {"$ref": "#/components/schemas/AuthorityCode"}
        codes = document["components"]["schemas"]["AuthorityCode"]
        assert codes["pattern"] == "^[0-9]{3}$"
        assert {"933", "801"} <= set(codes["enum"])

    def test_answers_document_the_headers_they_carry(self, document: dict[str, Any]) -> None:
        accept = document["paths"]["/v1/cases/{case_id}/transfers/{transfer_id}/acceptance"]
        assert {"ETag", "X-Log-Position", "Idempotent-Replayed"} <= set(
            accept["post"]["responses"]["200"]["headers"]
        )
        assert "Location" in document["paths"]["/v1/cases"]["post"]["responses"]["201"]["headers"]
        assert [
            f"{m} {p}"
            for m, p, op in _operations(document)
            if "503" in op["responses"]
            and "Retry-After" not in op["responses"]["503"].get("headers", {})
        ] == []

    def test_links_lead_from_a_new_case_to_a_transfer_step(self, document: dict[str, Any]) -> None:
        opened = document["paths"]["/v1/cases"]["post"]["responses"]["201"]["links"]
        proposed = document["paths"]["/v1/cases/{case_id}/transfers"]["post"]
        assert opened["proposeTransfer"]["parameters"] == {"case_id": "$response.body#/case_id"}
        accept = proposed["responses"]["201"]["links"]["acceptTransfer"]
        assert accept["parameters"]["transfer_id"] == "$response.body#/active_transfer/transfer_id"

    def test_the_document_names_its_tags_servers_and_contact(
        self, document: dict[str, Any]
    ) -> None:
        used = {tag for _, _, op in _operations(document) for tag in op.get("tags", [])}
        assert used <= {tag["name"] for tag in document["tags"]}
        assert document["servers"] and document["info"]["contact"]
