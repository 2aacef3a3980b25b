"""Dependencies point one way: jsna (plain Python) <- resources <- assets <- pipelines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("jsna", "schemas", "resources", "assets", "pipelines")
ALLOWED = {
    "jsna": {"jsna", "schemas"},
    "schemas": {"schemas"},
    "resources": {"jsna", "schemas", "resources"},
    "assets": {"jsna", "schemas", "resources", "assets"},
    "pipelines": set(PROJECT),
}


def imported_packages(path: Path) -> set[str]:
    """Top-level project packages a module imports, wherever the import sits (no lazy shims)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PROJECT)


@pytest.mark.parametrize("layer", PROJECT)
def test_each_layer_imports_only_the_layers_below_it(layer):
    for path in sorted((ROOT / layer).rglob("*.py")):
        wrong = imported_packages(path) - ALLOWED[layer]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_plain_python_does_not_import_dagster():
    for path in sorted((ROOT / "jsna").rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(str(n).split(".")[0] == "dagster" for n in names), path


PUBLISHED_PATH = re.compile(
    r"(^|/)(boroughs|london|changes|quarantine)/|indicator_values(_quarantine)?\.|summary\.(parquet|csv)"
    r"|report\.html|index\.html|data_dictionary\.|jsna_mental_wellbeing_\w*\.xlsx"
)
OWNS_LAYOUT = {"jsna/layout.py"}


def path_literals(path: Path) -> list[str]:
    """String literals (docstrings aside) that spell a published path."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and PUBLISHED_PATH.search(node.value)
    ]


@pytest.mark.parametrize("layer", ["jsna", "assets", "pipelines", "resources"])
def test_published_paths_are_spelled_only_in_the_layout_module(layer):
    for path in sorted((ROOT / layer).rglob("*.py")):
        relpath = path.relative_to(ROOT).as_posix()
        if relpath in OWNS_LAYOUT or relpath.startswith("jsna/sample_api/"):
            continue
        found = path_literals(path)
        assert not found, f"{relpath} spells published paths {found}: build them with jsna.layout"


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = node.args
    count = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + bool(a.vararg) + bool(a.kwarg)
    return count - (1 if a.args and a.args[0].arg in ("self", "cls") else 0)


def test_rooms_stay_small_enough_to_read():
    """The shape the project keeps: no module over 400 lines, no function over 60, no
    signature over 8 parameters (a dataclass instead: ``ReportPack``, ``GroupKind``)."""
    too_long, too_wide, too_big = [], [], []
    for layer in ("assets", "jsna", "pipelines", "resources", "schemas"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            source = path.read_text()
            relpath = path.relative_to(ROOT).as_posix()
            if len(source.splitlines()) > 400:
                too_big.append(relpath)
            for node in _functions(ast.parse(source)):
                if node.end_lineno - node.lineno + 1 > 60:
                    too_long.append(f"{relpath}:{node.name}")
                if _parameters(node) > 8:
                    too_wide.append(f"{relpath}:{node.name}")
    assert (too_big, too_long, too_wide) == ([], [], [])


def test_the_environment_is_read_in_one_module():
    """``jsna/environment.py`` names every variable and is the only reader of ``os.environ``:
    a setting read elsewhere would be missing from the README's settings table."""
    from jsna import environment
    from pipelines.environment import PUBLICATION_KEYS
    from resources import FingertipsResource

    readers = []
    for layer in PROJECT:
        for path in sorted((ROOT / layer).rglob("*.py")):
            relpath = path.relative_to(ROOT).as_posix()
            if relpath != "jsna/environment.py" and re.search(r"\bos\.(environ|getenv|putenv)\b", path.read_text()):
                readers.append(relpath)
    assert readers == []
    named = {variable for _, variable, _ in PUBLICATION_KEYS.values()} | set(FingertipsResource.env_names().values())
    assert named <= set(environment.VARIABLES)
    readme = (ROOT / "README.md").read_text()
    assert [v for v in environment.VARIABLES if v not in readme and v != "CI"] == []
    with pytest.raises(KeyError, match="not one of the project's"):
        environment.read("JSNA_REGON")
