"""The floor plan, checked from the source: the apps sit in layers, each
imports only the layers below it, the core (housing_office) imports no app,
nothing reaches another app through importlib, and no module grows past what
a reader takes in. docs/architecture.md explains the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top: an app may import the apps before it, never one after it.
LAYERS = [
    "housing_office",
    "tenants",
    "letters",
    "archive",
    "decisions",
    "dispatch",
    "dwellings",
    "startloan",
    "applications",
    "register_import",
    "arrears",
    "followup",
    "reports",
    "demo",
]
MAX_LINES = 600


def modules(app: str) -> list[Path]:
    return [p for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]


def imported_apps(path: Path) -> set[str]:
    """The apps a module imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


def test_every_app_is_in_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_layers_below_it(app):
    allowed = set(LAYERS[: LAYERS.index(app) + 1])
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - allowed)
        for path in modules(app)
        if imported_apps(path) - allowed
    }
    assert wrong == {}


@pytest.mark.parametrize("app", LAYERS)
def test_no_hidden_arrows_through_importlib(app):
    users = [str(p.relative_to(ROOT)) for p in modules(app) if "importlib" in p.read_text(encoding="utf-8")]
    assert users == []


@pytest.mark.parametrize("app", LAYERS)
def test_no_module_is_longer_than_a_reader_takes_in(app):
    long = {
        str(p.relative_to(ROOT)): n
        for p in modules(app)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_check_finds_an_upward_import(tmp_path):
    """The import reader sees imports inside functions too."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from reports.views import x\n    import dwellings.models\n")
    assert imported_apps(module) == {"reports", "dwellings"}
