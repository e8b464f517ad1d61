"""The house rules: imports point down (knowledge <- ingest <- bot, the CLI on top), no import cycles,
and no module in the three layers grows past 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("knowledge", "ingest", "bot", "clusterbridge")
FORBIDDEN = {
    "knowledge": {"ingest", "bot", "clusterbridge"},
    "ingest": {"bot", "clusterbridge"},
    "bot": {"clusterbridge"},
    "clusterbridge": set(),
}
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules imported at run time (imports under `if TYPE_CHECKING:` do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _sources() -> dict[str, Path]:
    return {
        _module(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts
    }


def test_imports_point_down() -> None:
    wrong = [
        (module, name)
        for module, path in _sources().items()
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[module.split(".")[0]]
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    sources = _sources()
    graph = {m: {n for n in _imports(p) if n in sources and n != m} for m, p in sources.items()}
    # A package imports its own submodules by design (its __init__ re-exports); cycles through an
    # __init__ that only re-exports are fine, so only module-to-module edges between files count.
    packages = {m for m, p in sources.items() if p.name == "__init__.py"}
    graph = {m: {n for n in edges if n not in packages} for m, edges in graph.items() if m not in packages}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_modules_stay_small() -> None:
    big = {
        str(path.relative_to(ROOT)): lines
        for package in ("knowledge", "ingest", "bot")
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}
