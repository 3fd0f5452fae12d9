"""The examples run, and the package's public surface is what __all__ says."""

from __future__ import annotations

import pathlib
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
    assert bi.__version__ == "0.1.0"
    assert bi.MAX_JWKS_BYTES == 1 << 20
