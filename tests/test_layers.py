"""Dependencies point one way: jsna (plain Python) <- resources <- assets <- pipelines."""

from __future__ import annotations

import ast
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
