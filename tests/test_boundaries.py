"""The package boundaries of docs/architecture.md, checked on every module's AST."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("triage", "tui", "services", "sandbox", "dqt", "bench", "tests")


def python_files(*packages: str) -> list[Path]:
    return sorted(
        path for package in packages for path in (ROOT / package).rglob("*.py")
    )


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth (lazy ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def top_level(module: str) -> str:
    return module.split(".", 1)[0]


def violations(paths: list[Path], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in paths
        for line, module in imported_modules(path)
        if top_level(module) in forbidden
    ]


def test_there_are_modules_to_check() -> None:
    assert len(python_files("triage", "dqt", "services", "sandbox")) >= 10


def test_textual_is_imported_only_inside_tui() -> None:
    outside = [
        path
        for path in python_files(*PACKAGES)
        if "tui" not in path.relative_to(ROOT).parts[:1]
        # Snapshot tests drive the app through pytest-textual-snapshot.
        and "tui" not in path.relative_to(ROOT).parts[1:2]
    ]

    assert violations(outside, {"textual"}) == []


def test_dqt_knows_nothing_of_register_or_the_app() -> None:
    forbidden = {"services", "sandbox", "triage", "tui", "sqlalchemy", "textual"}

    assert violations(python_files("dqt"), forbidden) == []


def test_services_do_not_reach_up_into_the_app() -> None:
    assert violations(python_files("services"), {"triage", "tui", "textual"}) == []


def test_sandbox_does_not_import_the_app_or_the_command_line() -> None:
    assert violations(python_files("sandbox"), {"triage", "tui", "textual"}) == []


def test_tui_builds_no_sql_redis_or_http_itself() -> None:
    forbidden = {"sqlalchemy", "redis", "httpx", "psycopg"}

    assert violations(python_files("tui"), forbidden) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import textual.app", ["textual.app"]),
        ("def f():\n    from sqlalchemy import text", ["sqlalchemy"]),
        (
            "import importlib\nimportlib.import_module('tui.app')",
            ["importlib", "tui.app"],
        ),
        ("from . import sibling", []),
    ],
)
def test_the_scanner_sees_every_kind_of_import(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    path = tmp_path / "sample.py"
    path.write_text(source)

    assert [module for _, module in imported_modules(path)] == expected
