"""Only Settings (backend/settings.py) reads the environment.

Everything else is handed its settings, so a reader finds every variable in one place and a test can build
any configuration without touching os.environ. tools/ may pass the environment on to a child process it
starts (`{**os.environ, ...}`), but may not read a variable itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "backend" / "settings.py"


def _is_os_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
            and node.value.id == "os")


def _resident_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("RESIDENT_")


def any_environment_access(tree: ast.AST) -> list[tuple[int, str]]:
    """Every use of os.environ, os.getenv/putenv/unsetenv, or the same names imported from os."""
    found = []
    for node in ast.walk(tree):
        if _is_os_environ(node):
            found.append((node.lineno, "os.environ"))
        elif (isinstance(node, ast.Attribute) and node.attr in ("getenv", "putenv", "unsetenv", "environb")
              and isinstance(node.value, ast.Name) and node.value.id == "os"):
            found.append((node.lineno, f"os.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {a.name for a in node.names} & {"environ", "getenv", "environb", "putenv", "unsetenv"}
            if names:
                found.append((node.lineno, f"from os import {', '.join(sorted(names))}"))
    return found


def variables_read(tree: ast.AST) -> list[tuple[int, str]]:
    """Reads of one variable: os.environ[...] / .get(...) / os.getenv(...), or any ["RESIDENT_*"] / .get("RESIDENT_*")
    (a copy of the environment read is still the environment read)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_os_environ(node.value) or _resident_key(node.slice):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target, name = node.func.value, node.func.attr
            if name in ("get", "pop", "setdefault") and (_is_os_environ(target)
                                                        or (node.args and _resident_key(node.args[0]))):
                found.append((node.lineno, ast.unparse(node)))
            elif name == "getenv" and isinstance(target, ast.Name) and target.id == "os":
                found.append((node.lineno, ast.unparse(node)))
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def breaches(files: list[Path], check) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line}: {what}" for path in files
            for line, what in check(ast.parse(path.read_text(encoding="utf-8"), str(path)))]


def test_only_settings_reads_the_environment():
    files = [p for p in python_files("backend", "metadata", "scripts") if p != SETTINGS]
    assert len(files) > 50  # the walk found the code
    assert breaches(files, any_environment_access) == []


def test_tools_pass_the_environment_on_but_read_no_variable():
    assert breaches(python_files("tools"), variables_read) == []


def test_the_checks_see_each_way_of_reading():
    reads = ["import os\nos.environ.get('RESIDENT_X')", "import os\nos.getenv('HOME')", "import os\nos.environ['A']",
             "from os import environ", "from os import getenv as g"]
    for source in reads:
        assert any_environment_access(ast.parse(source)), source
    for source in ["import os\nos.environ.get('RESIDENT_X')", "import os\nos.getenv('A')", "env['RESIDENT_API_PORT']",
                   "env.get('RESIDENT_DATABASE_URL')", "import os\nos.environ['PATH']"]:
        assert variables_read(ast.parse(source)), source
    passing_on = "import os\nenv = {**os.environ, 'RESIDENT_DATA_DIR': '/d'}\ncopy = dict(os.environ)\nenv['A'] = 'b'"
    assert variables_read(ast.parse(passing_on)) == []
