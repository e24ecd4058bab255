"""The layout of ``digest/`` as ``docs/architecture.md`` describes it: layers that import only
downwards, the pipeline's stages only earlier stages, no import cycle, no module over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "digest"

# Lowest first: a module may import its own layer and the layers before it.
LAYERS = ["core", "clustering", "formats", "incremental", "pipeline", "search", "commands", "cli"]
STAGES = [
    "discover",
    "load",
    "index",
    "index_delta",
    "topic_bits",
    "related_memo",
    "related",
    "related_delta",
    "stories_nearby",
    "stories",
    "stories_delta",
    "pages",
    "days",
    "plan",
    "collisions",
    "render",
    "output",
    "output_paths",
    "replace",
    "write",
    "assets",
    "publish",
]
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 or parts[-1] in LAYERS[1:-1]:
        return parts[1]
    if module in ("digest.cli", "digest.__main__"):
        return "cli"
    return "core"


def imports(module: str) -> tuple[set[str], set[str]]:
    """The package's modules that ``module`` imports when it is imported (``eager``) and those
    it imports inside functions (``lazy``); imports for type checkers only are neither."""
    tree = ast.parse(MODULES[module].read_text())
    type_only = {
        id(node)
        for block in tree.body
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    eager_nodes = {id(node) for block in tree.body for node in ast.walk(block)} - {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(block)
    }
    eager: set[str] = set()
    lazy: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.append(full if full in MODULES else node.module)
        found = {name for name in names if name in MODULES and name != module}
        (eager if id(node) in eager_nodes else lazy).update(found)
    return eager, lazy


def test_the_package_is_laid_out_in_layers() -> None:
    assert {layer(module) for module in MODULES} == set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    eager, lazy = imports(module)
    own = LAYERS.index(layer(module))
    upward = sorted(name for name in eager | lazy if LAYERS.index(layer(name)) > own)
    assert upward == [], f"{module} ({layer(module)}) imports a higher layer"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("digest.pipeline.")))
def test_a_stage_imports_only_earlier_stages(module: str) -> None:
    eager, lazy = imports(module)
    stage = STAGES.index(module.rsplit(".", 1)[1])
    later = sorted(
        name
        for name in eager | lazy
        if name.startswith("digest.pipeline.") and STAGES.index(name.rsplit(".", 1)[1]) >= stage
    )
    assert later == [], f"{module} imports a stage at or after its own"


def test_no_import_cycle() -> None:
    graph = {module: imports(module)[0] for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for name in sorted(graph[module]):
            visit(name, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_readable(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines"


def test_the_checks_see_imports_of_every_kind() -> None:
    # So that the checks above cannot pass by seeing nothing.
    eager, lazy = imports("digest.commands.build")
    assert "digest.pipeline.discover" in eager and "digest.search.step" in lazy
    assert "digest.pipeline.plan" not in imports("digest.incremental.fingerprint")[0]  # type only
    assert layer("digest.parallel") == "core" and layer("digest.search.step") == "search"
