"""The package's shape (docs/architecture.md): layers import only downwards, no module
imports itself back through others, only ``cxmetrics.ui`` (and the pages) speak
Streamlit, and pages stay thin views.

The import graph is read from the source with ``ast`` (every ``import`` statement,
module level or inside a function), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "cxmetrics"

# Lowest first. A module may import modules of its own package and of packages with a
# lower rank; packages sharing a rank are side by side and may not import each other.
LAYERS: dict[str, int] = {
    "core": 0,
    "i18n": 1,
    "text": 1,
    "ingest": 2,
    "synth": 3,
    "metrics": 4,
    "model": 5,
    "serving": 6,
    "engines": 7,
    "analysis": 7,
    "reports": 8,
    "ui": 9,
    "cli": 9,
}
# Packages only the presentation layer (ui/, pages/, app.py) may import.
UI_ONLY = ("streamlit",)
# What a page may not do itself: query, compute statistics or shape data.
PAGE_FORBIDDEN_IMPORTS = ("duckdb", "numpy", "scipy", "statsmodels", "sklearn", "pyarrow")
PAGE_MAX_LINES = 250


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` is ``a.b`` when b is a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if is_module(sub) else node.module)
    return out


def package_modules() -> dict[str, set[str]]:
    return {
        module_name(p): {m for m in imports_of(p) if m.startswith("cxmetrics.") or m == "cxmetrics"}
        for p in sorted(PKG.rglob("*.py"))
    }


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_subpackage_has_a_layer() -> None:
    packages = {p.name for p in PKG.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), f"add {packages - set(LAYERS)} to LAYERS and docs/architecture.md"
    loose = sorted(p.name for p in PKG.glob("*.py") if p.name != "__init__.py")
    assert not loose, f"modules outside any layer: {loose}"


def test_layers_import_only_downwards() -> None:
    wrong = []
    for mod, deps in package_modules().items():
        src = layer_of(mod)
        if src is None:
            continue
        for dep in deps:
            dst = layer_of(dep)
            if dst is None or dst == src:
                continue
            if LAYERS[dst] >= LAYERS[src]:
                wrong.append(f"{mod} ({src}) imports {dep} ({dst})")
    assert not wrong, "\n".join(sorted(wrong))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = {m: {d for d in deps if d != m} for m, deps in package_modules().items()}
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a two-module and a three-module circle are found."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(graph)) == [["a", "b"], ["c", "d", "e"]]


def test_only_the_ui_package_imports_streamlit() -> None:
    wrong = []
    for path in sorted(PKG.rglob("*.py")):
        mod = module_name(path)
        if layer_of(mod) == "ui":
            continue
        for dep in imports_of(path):
            if dep.split(".")[0] in UI_ONLY:
                wrong.append(f"{mod} imports {dep}")
    assert not wrong, "\n".join(wrong)


PAGES = sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page_file", PAGES, ids=[p.stem for p in PAGES])
def test_pages_are_thin_views(page_file: Path) -> None:
    """A page reads the filter, calls ``cxmetrics.reports`` and draws: no database, no
    statistics, no data shaping of its own, and no more than PAGE_MAX_LINES lines."""
    text = page_file.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= PAGE_MAX_LINES, f"{page_file.name} has {lines} lines"
    heavy = sorted(d for d in imports_of(page_file) if d.split(".")[0] in PAGE_FORBIDDEN_IMPORTS)
    assert not heavy, f"{page_file.name} imports {heavy}"
    for keyword in ("SELECT ", " FROM ", "GROUP BY"):
        assert keyword not in text, f"{page_file.name} holds SQL ({keyword.strip()})"
