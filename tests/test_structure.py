"""The package's shape: dependencies point one way, with no circle, function-local imports included.

Each folder (or top-level module) has a floor; a module may import its own folder and lower floors,
never a higher or an equal one of another folder (``hub`` and ``deployment`` share a floor and
know nothing of each other). The floors are the ``ARCHITECTURE.md`` picture, written as data.
"""

from __future__ import annotations

import ast
from pathlib import Path

import keras_video_zoo

PACKAGE = Path(keras_video_zoo.__file__).parent

FLOORS = {
    # records and small helpers: import nothing of the package
    "version": 0,
    "runtime": 0,
    "opencv": 0,
    "markdown": 0,
    "views": 0,
    "registry": 0,
    "weights": 0,
    "vocabulary": 0,  # names and defaults the commands and the library share
    # the on-disk formats, each with one owner, and the one resolver that reads them all
    "keras_file": 1,
    "checkpoint_folder": 1,
    "run_folder": 2,
    "checkpoints": 3,
    "layers": 3,
    "data": 3,  # no model code
    "flow": 4,  # reads videos through data/
    "models": 5,
    "evaluation": 6,
    "beam": 6,  # a runner: chosen by commands and handed to data/ and flow/ as an executor
    "training": 7,  # a two-stream run scores held-out videos to fit its fusion SVM
    "hub": 8,
    "deployment": 8,
    "convert": 9,
    "commands": 10,
    "cli": 11,
    "__init__": 11,
}


def _unit(module: str) -> str:
    """The folder or top-level module a ``keras_video_zoo.*`` module belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    top = parts[1]
    return top if (PACKAGE / top).is_dir() or (PACKAGE / f"{top}.py").is_file() else "__init__"


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``keras_video_zoo`` module ``path`` imports, at any depth (inside functions too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("keras_video_zoo"):
            if node.module == "keras_video_zoo":  # from keras_video_zoo import runtime / from_pretrained
                found += [(f"keras_video_zoo.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("keras_video_zoo")]
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_folder_has_a_floor():
    units = {_unit(name) for name in _modules()}
    assert units == set(FLOORS), "a new folder or top-level module needs its floor in FLOORS"


def test_no_module_imports_a_higher_floor():
    upward = []
    for name, path in _modules().items():
        source = _unit(name)
        for imported, line in _imports(path):
            target = _unit(imported)
            if target != source and FLOORS[target] >= FLOORS[source]:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({source}) imports {imported} ({target})")
    assert not upward, "\n".join(upward)


def test_no_circle_between_modules():
    modules = _modules()

    def resolve(imported: str) -> str | None:  # `from pkg.mod import name` names the module, or the package
        while imported and imported not in modules:
            imported = imported.rpartition(".")[0]
        return imported or None

    graph = {name: {resolve(i) for i, _ in _imports(path)} - {None, name} for name, path in modules.items()}
    # Packages' __init__ files re-export their folder: an edge into one is an edge into the folder, not a circle.
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    graph = {name: {target for target in targets if target not in packages} for name, targets in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, "\n".join(circles)


def test_the_test_finds_an_upward_import(tmp_path):
    """The walker sees an import inside a function: the kind that hides an upward dependency."""
    module = tmp_path / "lower.py"
    module.write_text("def f():\n    from keras_video_zoo.commands.train import run\n    return run\n")
    assert _imports(module) == [("keras_video_zoo.commands.train", 2)]
