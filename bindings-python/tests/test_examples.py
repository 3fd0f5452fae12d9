"""The examples run, and the package's public surface is what __all__ says."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import backstage_identity as bi

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def test_typed_usage_example_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "typed_usage.py")], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert out.splitlines() == [
        "keys: 1 ['k1']",
        "refused: ERR_JWS_SEGMENTS malformed 401 103",
        "no header: ERR_TOKEN_MISSING",
        "bearer: abc",
    ]


def test_public_names() -> None:
    for name in bi.__all__:
        assert hasattr(bi, name), name
    workspace = (EXAMPLES.parents[1] / "Cargo.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', workspace, re.MULTILINE)
    assert version is not None and bi.__version__ == version.group(1)
    assert bi.MAX_JWKS_BYTES == 1 << 20
