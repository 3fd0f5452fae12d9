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


def test_readme_fastapi_example_protects_its_route() -> None:
    from fastapi.testclient import TestClient

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Protect a FastAPI route", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 10
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    client = TestClient(namespace["app"])  # type: ignore[arg-type]
    response = client.get("/whoami")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
    response = client.get("/whoami", headers={"Authorization": "Bearer not-a-token"})
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
