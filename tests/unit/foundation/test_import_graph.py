"""The import graph of ci_lib flows one way, in pipeline order, with no cycle; no module borrows a stdlib or folder name.

Every `import` statement of every module counts, wherever it stands (inside a function, under
`TYPE_CHECKING`): a lazy import is still a dependency a reader has to follow. The graph is read from the
source with `ast`, nothing is imported.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
PACKAGE = ROOT / "ci_lib"
# pipeline order: a module may import from its own layer or a lower one only
LAYERS = ("foundation", "inputs", "scoring", "execute", "pages", "website", "pipeline", "release", "cycle", "tools", "cli")


def module_names() -> dict[str, Path]:
    """Dotted module name -> file, for every module of ci_lib (a package is its `__init__`)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ci_lib modules that module `name` imports; `from p import x` names the module p.x when it is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import ci_lib.a.b` of a name inside a module
                target = target.rpartition(".")[0]
            if target.startswith("ci_lib") and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = module_names()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return LAYERS.index("foundation")  # ci_lib itself and its top-level modules (errors, atomic, ids, ...)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_every_module_with_relative_and_lazy_imports_resolved(tmp_path, monkeypatch):
    """The reader itself: a relative import, a `from package import module`, an import inside a function."""
    package = tmp_path / "ci_lib"
    (package / "inputs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("")
    (package / "inputs" / "__init__.py").write_text("from .load import x\n")
    (package / "inputs" / "load.py").write_text("from ci_lib import errors\n\ndef f():\n    from ..cli import main\n")
    (package / "cli.py").write_text("import ci_lib.inputs.load\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    edges = graph()
    assert edges["ci_lib.inputs"] == {"ci_lib.inputs.load"}
    assert edges["ci_lib.inputs.load"] == {"ci_lib.errors", "ci_lib.cli"}
    assert cycles(edges) == [["ci_lib.cli", "ci_lib.inputs.load"]]


def test_no_import_cycle():
    found = cycles(graph())
    edges = graph()
    shown = ["; ".join(f"{a} -> {b}" for a in component for b in sorted(edges[a]) if b in component)
             for component in found]
    assert not found, "import cycles: " + " | ".join(shown)


def test_imports_flow_down_the_pipeline():
    """foundation < inputs < scoring < execute < pages < website < pipeline < release < tools < cli."""
    upward = [f"{source} -> {target} ({LAYERS[layer(source)]} imports {LAYERS[layer(target)]})"
              for source, targets in sorted(graph().items()) for target in sorted(targets)
              if layer(target) > layer(source)]
    assert not upward, "imports against the pipeline order:\n" + "\n".join(upward)


def test_every_package_is_in_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(LAYERS), f"packages in no layer: {sorted(packages - set(LAYERS))}"


def test_no_module_is_named_like_a_stdlib_module_or_a_folder_of_the_repository():
    """`ci_lib/site` shadowed the stdlib `site` for anything run from inside the package; `benchmarks.py`
    read as the repository's benchmarks/ folder."""
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))} - {"ci_lib"}
    names = {part for module in module_names() for part in module.split(".")[1:]}
    clashes = sorted(f"{n} (stdlib)" for n in names & set(sys.stdlib_module_names))
    clashes += sorted(f"{n} (folder {n}/)" for n in names & folders)
    assert not clashes, f"ci_lib modules named like a stdlib module or a top-level folder: {', '.join(clashes)}"
