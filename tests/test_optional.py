"""The library never imports the service: every module of matcher/ imports with the service stack unavailable,
the `matcher` command's core works without it, and no module of matcher/ takes part in an import cycle (imports
under TYPE_CHECKING included)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "matcher"
BLOCKED = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg", "pydantic_settings", "api")

CODE = f"""
import importlib, pkgutil, sys
for name in {BLOCKED!r}:
    sys.modules[name] = None  # importing any of these now fails
import matcher
names = [m.name for m in pkgutil.walk_packages(matcher.__path__, "matcher.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
from matcher import Matcher, MatchOptions, Prospect, Ranking
from click.testing import CliRunner
from matcher.cli import main
res = CliRunner().invoke(main, ["kb", "validate"])
assert res.exit_code == 0, res.output
res = CliRunner().invoke(main, ["serve"])
assert res.exit_code == 1 and "pip install 'park-matcher[api]'" in res.output, res.output
print(len(names))
"""


def test_every_module_imports_without_the_service_stack() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    expected = [p for p in PKG.rglob("*.py") if p.name != "__main__.py"]
    assert int(out.stdout.strip()) == len(expected) - 1  # every module but the top package itself


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The matcher modules `path` imports, at any level of the file (TYPE_CHECKING blocks and functions too)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            mod = node.module or ""
            target = (f"{base}.{mod}" if mod else base) if node.level else mod
            out.add(target)
            out |= {f"{target}.{a.name}" for a in node.names}  # `from . import engine` imports a module
    return {m for m in out if m in known and m != me}


def test_no_import_cycles_in_the_library() -> None:
    files = {module_name(p): p for p in PKG.rglob("*.py")}
    graph = {name: imports_of(path, set(files)) for name, path in files.items()}
    # A package's __init__ re-exporting its own modules is not a cycle a reader has to follow: drop the edges from
    # a package to the modules inside it.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles
