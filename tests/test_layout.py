"""The tree keeps its shape: read from the source, nothing imported or run.

geo/ is the core (no api, web or data imports; subpackages, few top-level modules); no
cycle between the top-level packages; web never opens or ends a transaction; modules and
functions stay small enough to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "api", "web", "data")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
MAX_GEO_TOP_MODULES = 8


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "static" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Top-level packages of the project that a module imports (anywhere in it)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {n.split(".")[0] for n in names if n.split(".")[0] in PACKAGES}
    return found


def _package_graph() -> dict[str, set[str]]:
    return {pkg: set().union(*(_imports(p) for p in _modules(pkg))) - {pkg} for pkg in PACKAGES}


def test_geo_imports_nothing_above_it() -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) - {"geo"}) for p in _modules("geo")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_data_imports_only_geo() -> None:
    assert _package_graph()["data"] <= {"geo"}


def test_no_cycle_between_top_level_packages() -> None:
    graph = _package_graph()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    assert [pkg for pkg in PACKAGES if reaches(pkg, pkg, {pkg})] == []


def test_geo_is_split_by_concern() -> None:
    top = [p.name for p in (ROOT / "geo").glob("*.py")]
    subpackages = [p.name for p in (ROOT / "geo").iterdir() if (p / "__init__.py").is_file()]
    assert len(top) <= MAX_GEO_TOP_MODULES, sorted(top)
    assert len(subpackages) >= 5, subpackages


def test_web_never_commits() -> None:
    words = (".commit(", ".rollback(", ".transaction(")
    offenders = [str(p.relative_to(ROOT)) for p in _modules("web")
                 if any(w in p.read_text(encoding="utf-8") for w in words)]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_functions_are_small(package: str) -> None:
    long_modules, long_functions = [], []
    for path in _modules(package):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length}")
    assert long_modules == [] and long_functions == []
