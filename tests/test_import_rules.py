"""The import rules of docs/architecture.md, read from the source: `schema/` never imports
SQLAlchemy, `server/` never imports Strawberry, and the fast path (`schema/fastpath/`) is the one
package that imports both SQLAlchemy and graphql-core."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FASTPATH = "schema/fastpath/"
# What server/ below the app, the HTTP routes and the command line may import of schema/: the
# fast path's read side, which imports no Strawberry.
READ_SIDE = {f"schema.fastpath.{m}" for m in ("reader", "rendered", "prepared", "sqlite_driver")}
READ_SIDE |= {"schema.fastpath", "schema.fastpath.selfcheck"}
TOP = ("server/app.py", "server/cli.py", "server/http/")


def imports(path: Path, *, on_import: bool = False) -> set[str]:
    """Every module the file imports, anywhere in it or (`on_import`) outside its functions, as
    importing it runs them (`from a import b` counts `a` and `a.b`)."""
    found: set[str] = set()
    for node in _nodes(ast.parse(path.read_text(), str(path)), on_import):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _nodes(node: ast.AST, on_import: bool) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        if not (on_import and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)):
            yield from _nodes(child, on_import)


def modules(package: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): imports(path)
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def of(names: set[str], library: str) -> bool:
    return any(name == library or name.startswith(f"{library}.") for name in names)


def test_schema__never_imports_sqlalchemy_outside_the_fast_path() -> None:
    offenders = [
        path
        for path, names in modules("schema").items()
        if of(names, "sqlalchemy") and not path.startswith(FASTPATH)
    ]
    assert offenders == []


def test_server__never_imports_strawberry() -> None:
    assert [path for path, names in modules("server").items() if of(names, "strawberry")] == []


def test_only_the_fast_path__imports_sqlalchemy_and_graphql_core() -> None:
    both = [
        path
        for path, names in {**modules("schema"), **modules("server")}.items()
        if of(names, "sqlalchemy") and of(names, "graphql")
    ]
    assert both and all(path.startswith(FASTPATH) for path in both), both


def test_server__imports_only_the_fast_paths_read_side_of_schema() -> None:
    offenders = {
        path: sorted(n for n in names if of({n}, "schema") and not read_side(n))
        for path, names in modules("server").items()
        if not path.startswith(TOP)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def read_side(name: str) -> bool:
    """A module of the read side, or a name imported from one (`schema.fastpath.reader.IDS`)."""
    return name in READ_SIDE or name.rsplit(".", 1)[0] in READ_SIDE - {"schema.fastpath"}


def test_the_read_side__imports_no_strawberry_when_imported() -> None:
    # (the self-check imports it to probe it, when it runs: at start-up)
    read_side = [ROOT / f"{name.replace('.', '/')}.py" for name in READ_SIDE - {"schema.fastpath"}]
    assert [p.name for p in read_side if of(imports(p, on_import=True), "strawberry")] == []
