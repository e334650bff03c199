"""The web client's own checks, so that ./scripts/test runs them: its Vitest unit tests, its
generated GraphQL types against the printed schema, and its budget of initial JavaScript read
from the build's manifest (webclient/dist, made by scripts/setup)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

WEBCLIENT = Path(__file__).resolve().parents[2] / "webclient"
DIST = WEBCLIENT / "dist"
INITIAL_JS_BUDGET = 100_000  # bytes of gzipped JavaScript before the first screen shows

pytestmark = [
    pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: the web client is not checked"),
    pytest.mark.skipif(
        not (WEBCLIENT / "node_modules").is_dir(), reason="the web client's packages are missing: run scripts/setup"
    ),
]


def npm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", "run", "--silent", *args], cwd=WEBCLIENT, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_unit_tests_pass() -> None:
    done = npm("test")
    assert done.returncode == 0, f"vitest failed:\n{done.stdout}\n{done.stderr}"


def test_generated_types_match_the_printed_schema() -> None:
    done = npm("codegen:check")
    assert done.returncode == 0, (
        "webclient/src/gql is stale: run `npm run codegen` in webclient/ and commit it\n"
        f"{done.stdout}\n{done.stderr}"
    )


def initial_chunks(manifest: dict[str, dict]) -> set[str]:
    """The entry's file and every chunk it imports statically (not the lazily loaded screens)."""
    keys = [key for key, chunk in manifest.items() if chunk.get("isEntry")]
    seen: set[str] = set()
    while keys:
        key = keys.pop()
        if key not in seen:
            seen.add(key)
            keys.extend(manifest[key].get("imports", []))
    return {manifest[key]["file"] for key in seen}


def manifest_files(manifest: dict[str, dict]) -> set[str]:
    return {chunk["file"] for chunk in manifest.values()}


def test_initial_javascript__stays_within_its_budget() -> None:
    manifest_path = DIST / ".vite" / "manifest.json"
    assert manifest_path.is_file(), "webclient/dist is not built: run scripts/setup"
    manifest = json.loads(manifest_path.read_text())
    files = initial_chunks(manifest)
    lazy = {chunk["file"] for chunk in manifest.values() if chunk.get("isDynamicEntry")}
    assert files and lazy and not files & lazy, "the screens inside the shell load lazily"
    size = sum(len(gzip.compress((DIST / name).read_bytes(), 9)) for name in files if name.endswith(".js"))
    assert size <= INITIAL_JS_BUDGET, f"initial JavaScript is {size} bytes gzipped, over {INITIAL_JS_BUDGET}"
    for name in manifest_files(manifest):
        assert b"react.element" not in (DIST / name).read_bytes(), f"{name} bundles React (GraphiQL's alone)"


def test_initial_chunks__follow_static_imports_only() -> None:
    manifest = {
        "src/main.tsx": {"file": "assets/main-1.js", "isEntry": True, "imports": ["_shared"],
                         "dynamicImports": ["src/lazy.tsx"]},
        "_shared": {"file": "assets/shared-2.js", "imports": ["src/main.tsx"]},
        "src/lazy.tsx": {"file": "assets/lazy-3.js", "isDynamicEntry": True, "imports": ["_shared"]},
    }
    assert initial_chunks(manifest) == {"assets/main-1.js", "assets/shared-2.js"}
