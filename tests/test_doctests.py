"""The examples in the code's docstrings are run: an example that no longer holds fails here."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import schema
import server

# `server.__main__` runs the command line and the migrations' `env` runs Alembic when imported.
SKIPPED = ("server.__main__", "server.db.migrations")
MODULES = sorted(name for package in (server, schema)
                 for _finder, name, _is_package in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
                 if not name.startswith(SKIPPED))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    failed, _attempted = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failed == 0, f"{failed} docstring example(s) of {name} no longer hold (see the output above)"
