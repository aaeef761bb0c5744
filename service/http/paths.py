"""What may be written down about a request's path: its route's template, and its ids.

A path is whatever the caller typed: ``/mash/cases/<an NHS number>`` is a request
like any other, and a log line or an access-log row holding it would hold the NHS
number. So the request log and the access log name the route that served the request
by its template (``/v1/cases/{case_id}``, mounts included: ``/mash/cases/{case_id}``),
and the ids in the path only when they are well-formed ids (lower-case UUIDs, which
say nothing about a child). A request no route matched has no template.
"""

from __future__ import annotations

import re

from starlette.routing import Mount
from starlette.types import Scope

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def route_template(scope: Scope) -> str | None:
    """The template of the route that served the request, after any mounts; None when
    no route matched.

    The router records the route it chose in the scope (``route``), and each mount adds
    its path to ``root_path``. A request a mount served itself (static files, or nothing
    under it matched) is named by the mount: ``/mash/{path}``, ``/mash/assets/{path}``.
    """
    route = scope.get("route")
    root = str(scope.get("root_path", ""))
    template = getattr(route, "path_format", None)
    if isinstance(template, str) and not isinstance(route, Mount):
        return root + template
    return f"{root}/{{path}}" if root else None


def well_formed_ids(scope: Scope) -> dict[str, str]:
    """The path's ``..._id`` parameters that are well-formed ids, lower-cased."""
    params = scope.get("path_params") or {}
    found = {}
    for name, value in params.items():
        if name.endswith("_id") and isinstance(value, str):
            text = value.lower()
            if _UUID.fullmatch(text):
                found[name] = text
    return found
