"""The examples in the docstrings run (native classes and functions, the pure-Python modules)."""

from __future__ import annotations

import doctest
import types

import pytest

import backstage_identity
import backstage_identity._native
import backstage_identity.fastapi
import backstage_identity.fetcher
import backstage_identity.flask

MODULES = [
    backstage_identity,
    backstage_identity._native,
    backstage_identity.fetcher,
    backstage_identity.fastapi,
    backstage_identity.flask,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: types.ModuleType) -> None:
    result = doctest.testmod(module, extraglobs=vars(backstage_identity._native), verbose=False)
    assert result.failed == 0
    assert result.attempted > 0


def test_native_examples_are_found() -> None:
    finder = doctest.DocTestFinder()
    names = {t.name.rsplit(".", 1)[-1] for t in finder.find(backstage_identity._native) if t.examples}
    assert {"KeySet", "VerifyOptions", "verify", "get_bearer_token", "KeyRing", "Authenticator"} <= names
