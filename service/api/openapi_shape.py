"""What FastAPI cannot say by itself in the OpenAPI document, said once, here: the exact
values the service accepts, the headers it answers with, and the links a client (or a
stateful fuzzer) follows from what it created to the routes that take its id.

Each function takes the generated document and returns it, so ``openapi.document``
applies them in turn; none changes a path, a status or a response field.
"""

from __future__ import annotations

from typing import Any

from service.application.idempotency import KEY_MAX
from service.domain.reference import (
    assessment_factors,
    authorities,
    closure_reasons,
    primary_need_codes,
)
from service.projections.queries import CASE_STATUSES, DIRECTIONS, TRANSFER_STAGES

AUTHORITY_CODE = {"$ref": "#/components/schemas/AuthorityCode"}
IF_MATCH_PATTERN = '^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$'
"""The versions ``deps._version`` accepts: ``"3"``, ``W/"3"`` or ``3``."""

# Query, header and path parameters by name: the schema the service accepts. Optional
# ones are plain (never ``null``: an absent parameter is left out, not sent empty).
PARAMETERS: dict[str, dict[str, Any]] = {
    "idempotency-key": {
        "type": "string",
        "minLength": 1,
        "maxLength": KEY_MAX,
        "pattern": "^[ -~]+$",  # printable ASCII
    },
    "if-match": {"type": "string", "pattern": IF_MATCH_PATTERN},
    "code": AUTHORITY_CODE,
    "responsible_authority": AUTHORITY_CODE,
    "status": {"type": "string", "enum": list(CASE_STATUSES)},
    "direction": {"type": "string", "enum": list(DIRECTIONS)},
    "stage": {"type": "string", "enum": list(TRANSFER_STAGES)},
    "nhs_number": {"$ref": "#/components/schemas/NhsNumber"},
}
AUTHORITY_PARAMETER_PATHS = {"/v1/transfers", "/v1/worklist"}  # ``authority`` is one there
AUTHORITY_FIELDS = {"TransferProposal": "to_authority"}  # body fields naming one
UUID = {"type": "string", "format": "uuid"}
NHS_NUMBER = {
    "type": "string",
    "format": "nhs-number",
    "pattern": "^([0-9]{10}|[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{3}-[0-9]{3}-[0-9]{4})$",
    "description": "Ten digits, bare or 3-3-4 with spaces or hyphens; the last is the "
    "Modulus 11 check digit of the nine before it (422 `invalid-nhs-number` otherwise)",
}

ENDPOINT_URL = "^[hH][tT][tT][pP][sS]?://[^\\s/?#@]+([/?#]\\S*)?$"

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'The case\'s version after this step, e.g. "3": send it as If-Match',
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Location": {
        "description": "Where what was created is read",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "X-Log-Position": {
        "description": "The event log position this answer reflects (a write's own position)",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this answers a retry of an earlier request (same "
        "Idempotency-Key): nothing new was recorded",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    },
}

# What each created thing's id is called, and where in the created answer it is.
CREATED: dict[str, dict[str, str]] = {
    "openCase": {"case_id": "$response.body#/case_id"},
    "proposeTransfer": {
        "case_id": "$response.body#/case_id",
        "transfer_id": "$response.body#/active_transfer/transfer_id",
    },
    "conveneDiscussion": {
        "case_id": "$response.body#/case_id",
        "discussion_id": "$response.body#/discussion_id",
    },
    "recordDissent": {
        "case_id": "$response.body#/case_id",
        "discussion_id": "$response.body#/discussion_id",
        "dissent_id": "$response.body#/dissents/0/dissent_id",
    },
    "raiseDifference": {
        "case_id": "$response.body#/case_id",
        "difference_id": "$response.body#/difference_id",
    },
    "createSubscription": {"subscription_id": "$response.body#/subscription_id"},
}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
    ]


def _plain(parameter_schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [X, null]`` as X, keeping the description."""
    variants = [s for s in parameter_schema.get("anyOf", []) if s != {"type": "null"}]
    if len(variants) != 1:
        return parameter_schema
    rest = {k: v for k, v in parameter_schema.items() if k != "anyOf"}
    return {**rest, **variants[0]}


def _kept_max_length(name: str, shaped: dict[str, Any]) -> dict[str, Any]:
    """A route's own tighter limit on its Idempotency-Key (subscriptions take 200)."""
    if name == "idempotency-key" and "maxLength" in shaped:
        return {"maxLength": min(shaped["maxLength"], KEY_MAX)}
    return {}


def authority_codes(schema: dict[str, Any]) -> dict[str, Any]:
    """The DfE codes of the authorities the service knows (``GET /v1/authorities``), as
    one schema: any other code is refused (422 ``unknown-authority``); and NHS numbers,
    whose check digit a custom ``format`` names (a fuzzer can register it)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["AuthorityCode"] = {
        "type": "string",
        "pattern": "^[0-9]{3}$",
        "enum": sorted(authorities()),
        "description": "A local authority's DfE code, one of those `GET /v1/authorities` "
        "lists (e.g. `933` Somerset, `801` Bristol)",
    }
    for model, field in AUTHORITY_FIELDS.items():
        prop = components[model]["properties"]
        prop[field] = {"$ref": "#/components/schemas/AuthorityCode"}
    components["NhsNumber"] = NHS_NUMBER
    # The CIN census codes a field takes: any other is 422 (``unknown-...``).
    closure = components["Closure"]["properties"]["reason_code"]
    closure["enum"] = sorted(closure_reasons())
    assessment = components["AssessmentRecord"]["properties"]
    assessment["primary_need_code"]["enum"] = sorted(primary_need_codes())
    assessment["factors"]["items"]["enum"] = sorted(assessment_factors())
    assessment["factors"]["minItems"] = 1  # "21" says none were identified
    # ... and so stands alone (CIN census rule 8869; 422 ``no-factors-combined``).
    assessment["factors"]["not"] = {"contains": {"const": "21"}, "minItems": 2}
    opening = components["CaseOpening"]["properties"]["nhs_number"]
    opening["anyOf"] = [{"$ref": "#/components/schemas/NhsNumber"}, {"type": "null"}]
    return schema


def dependent_fields(schema: dict[str, Any]) -> dict[str, Any]:
    """Fields required or refused by another's value, stated so a fuzzer sends neither a
    child with two dates of birth (or none) nor an outcome of "other" without its text:
    ``not`` and ``if``/``then``, which generated clients leave to the service."""
    components = schema["components"]["schemas"]
    given = {"type": "string"}
    components["CaseOpening"]["not"] = {  # 422 ``birth-date-required``
        "anyOf": [
            {
                "required": ["date_of_birth", "expected_date_of_birth"],
                "properties": {"date_of_birth": given, "expected_date_of_birth": given},
            },
            {
                "properties": {
                    "date_of_birth": {"type": "null"},
                    "expected_date_of_birth": {"type": "null"},
                }
            },
        ]
    }
    components["OutcomeRecord"]["if"] = {  # 422 ``outcome-text-required``
        "required": ["outcome"],
        "properties": {"outcome": {"const": "other"}},
    }
    components["OutcomeRecord"]["then"] = {
        "required": ["outcome_text"],
        "properties": {"outcome_text": given},
    }
    # An endpoint is an absolute http(s) URL without credentials (422
    # ``endpoint-invalid-url``); whether it resolves, and where to, no schema can say.
    components["SubscriptionRequest"]["properties"]["url"]["pattern"] = ENDPOINT_URL
    return schema


def exact_parameters(schema: dict[str, Any]) -> dict[str, Any]:
    """Every parameter as the service accepts it: plain types, patterns, enums, uuids."""
    for _, path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            shaped = _plain(parameter["schema"])
            if parameter["in"] == "path" and name.endswith("_id"):
                shaped = {**shaped, **UUID}
            elif name in PARAMETERS or (name == "authority" and path in AUTHORITY_PARAMETER_PATHS):
                exact = PARAMETERS.get(name, AUTHORITY_CODE)
                if "$ref" in exact:
                    shaped = exact  # the parameter keeps its description
                else:
                    loose = {k: v for k, v in shaped.items() if k not in ("maxLength", "type")}
                    shaped = {**loose, **exact, **_kept_max_length(name, shaped)}
            parameter["schema"] = shaped
    return schema


def response_headers(schema: dict[str, Any]) -> dict[str, Any]:
    """The headers the service answers with, on the answers that carry them."""
    schema.setdefault("components", {}).setdefault("headers", {}).update(HEADERS)

    def add(response: dict[str, Any], *names: str) -> None:
        for name in names:
            response.setdefault("headers", {})[name] = {"$ref": f"#/components/headers/{name}"}

    for method, path, operation in _operations(schema):
        responses = operation.get("responses", {})
        if "503" in responses:
            add(responses["503"], "Retry-After")
        if method == "post" and path.startswith("/v1/cases"):
            for status in ("200", "201"):
                if status in responses:
                    add(responses[status], "ETag", "X-Log-Position", "Idempotent-Replayed")
        if method == "post" and path == "/v1/subscriptions/{subscription_id}/secret-rotation":
            add(responses["200"], "Idempotent-Replayed")
        if method == "post" and "201" in responses:
            add(responses["201"], "Location")
        if method == "get" and path == "/v1/cases/{case_id}":
            add(responses["200"], "ETag")
    created = schema["paths"]["/v1/subscriptions"]["post"]["responses"]["201"]
    add(created, "Idempotent-Replayed")
    return schema


def links(schema: dict[str, Any]) -> dict[str, Any]:
    """From each answer that creates something, a link to every operation that takes its
    id (and the ids it is under), so a client can follow it: ``openCase`` to
    ``proposeTransfer``, ``proposeTransfer`` to ``acceptTransfer``, and so on."""
    by_id = {op["operationId"]: op for _, _, op in _operations(schema)}
    targets = [
        (op["operationId"], {p["name"] for p in op.get("parameters", []) if p["in"] == "path"})
        for _, _, op in _operations(schema)
    ]
    for source, given in CREATED.items():
        created_id = list(given)[-1]
        response = by_id[source]["responses"]["201"]
        for target, needs in sorted(targets):
            if created_id in needs and needs <= set(given):
                response.setdefault("links", {})[target] = {
                    "operationId": target,
                    "parameters": {name: given[name] for name in sorted(needs)},
                }
    return schema
