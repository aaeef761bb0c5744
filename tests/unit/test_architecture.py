"""The layout's rules, checked over the source: imports point inwards, nothing imports in
a circle, and each refusal's code has one home.

Read from the source with ``ast`` (nothing is imported), so a new cycle or a layer
reaching outwards fails here with the modules named, before it confuses a reader.
Imports under ``if TYPE_CHECKING:`` count too: a cycle a type checker follows is one a
reader follows.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import REPOSITORY

SERVICE = REPOSITORY / "service"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPOSITORY).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[tuple[str, Path]]:
    for path in sorted(SERVICE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield module_name(path), path


MODULES = dict(source_files())


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, relative imports resolved, as dotted names.

    ``from package import module`` is an import of the module: the package is already
    being imported when one of its modules imports a sibling that way.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            for alias in node.names:
                submodule = f"{stem}.{alias.name}"
                found.add(submodule if submodule in MODULES else stem)
    return found


GRAPH = {
    name: {m for m in imports_of(name, path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_of(module: str) -> str:
    """The layer a module belongs to: ``service.<layer>``, or the module at the top."""
    parts = module.split(".")
    return ".".join(parts[:2])


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, imported in GRAPH.items():
        for other in imported:
            if package_of(other) != package_of(module):
                graph[package_of(module)].add(package_of(other))
    return graph


class TestImports:
    def test_no_module_imports_itself_in_a_circle(self) -> None:
        assert cycles(GRAPH) == []

    def test_no_package_imports_itself_in_a_circle(self) -> None:
        assert cycles(package_graph()) == []

    def test_a_made_up_cycle_is_found(self) -> None:  # the check itself can fail
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# What each layer may import of the service (besides itself). Imports point inwards:
# the domain at the centre, then the adapters and the application, then what reads and
# feeds from the log, then the wiring, then the entry points.
ALLOWED: dict[str, set[str]] = {
    "service.settings": set(),
    "service.domain": set(),
    "service.policies": {"service.domain", "service.settings"},
    "service.adapters": {"service.domain", "service.settings"},
    "service.application": {"service.domain", "service.adapters", "service.settings"},
    "service.projections": {
        "service.domain",
        "service.adapters",
        "service.application",
        "service.settings",
    },
    "service.audit": {"service.domain", "service.adapters", "service.application"},
    "service.notifications": {"service.domain", "service.adapters", "service.application"},
    "service.bootstrap": {
        "service.domain",
        "service.adapters",
        "service.application",
        "service.projections",
        "service.audit",
        "service.notifications",
        "service.policies",
        "service.settings",
    },
    "service.http": {
        "service.domain",
        "service.adapters",
        "service.application",
        "service.audit",
        "service.bootstrap",
        "service.settings",
    },
}
ENTRY_POINTS = {"service.api", "service.web"}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_lies_inwards(layer: str) -> None:
    outward = {
        (module, other)
        for module, imported in GRAPH.items()
        if package_of(module) == layer
        for other in imported
        if package_of(other) not in ALLOWED[layer] | {layer}
    }
    assert outward == set()


def test_the_api_and_the_pages_import_neither_the_other() -> None:
    """They share ``service.http``; only ``service.asgi`` puts them together."""
    crossing = {
        (module, other)
        for module, imported in GRAPH.items()
        if package_of(module) in ENTRY_POINTS
        for other in imported
        if package_of(other) in ENTRY_POINTS and package_of(other) != package_of(module)
    }
    assert crossing == set()


def test_the_domain_imports_only_the_standard_library_eventsourcing_domain_and_holidays() -> None:
    allowed_outside = {"eventsourcing.domain", "holidays"}
    outside = {
        (module, other)
        for module, path in MODULES.items()
        if module.startswith("service.domain")
        for other in imports_of(module, path)
        if not other.startswith("service.")
        and other.split(".")[0] not in sys.stdlib_module_names
        and not any(other == a or other.startswith(a + ".") for a in allowed_outside)
    }
    assert outside == set()


def codes_raised(root: Path) -> dict[str, list[str]]:
    """Each literal ``code="..."`` given to a call under ``root``, and where."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    location = f"{path.relative_to(REPOSITORY)}:{node.lineno}"
                    where[str(keyword.value.value)].append(location)
    return where


def test_each_refusal_code_has_one_home() -> None:
    """A code raised in two places drifts: two messages, two conditions, one name."""
    repeated = {code: places for code, places in codes_raised(SERVICE).items() if len(places) > 1}
    assert repeated == {}


def test_the_domain_raises_its_codes_from_its_rules_and_policies() -> None:
    """Every refusal of the case is raised from ``case/rules.py``, none inline in the
    aggregate's parts; the access policy's from ``access.py``."""
    inline = {
        code: places
        for code, places in codes_raised(SERVICE / "domain" / "case").items()
        if any("rules.py" not in place for place in places)
    }
    assert inline == {}
