"""The FastAPI dependency (through its TestClient) and the Flask decorator answer like the seed's
middleware: 401 Unauthorized for refused tokens, 403 for tokens restricted to other plugins."""

from __future__ import annotations

import time
from typing import Any, Dict

import flask
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

import backstage_identity as bi
from backstage_identity.fastapi import require_credentials as fastapi_credentials
from backstage_identity.flask import current_credentials
from backstage_identity.flask import require_credentials as flask_credentials
from minting import Signer, jwks

CONFIG: Dict[str, Any] = {
    "pluginId": "catalog",
    "backend": {
        "auth": {
            "externalAccess": [
                {
                    "type": "static",
                    "options": {"token": "scaffolder-only-token", "subject": "bot"},
                    "accessRestrictions": [{"plugin": "scaffolder"}],
                }
            ]
        }
    },
}


@pytest.fixture()
def setup() -> Any:
    signer = Signer("ES256")
    ring = bi.KeyRing()
    # Real time: the frameworks call authenticate without `now`.
    ring.load("auth", jwks(signer))

    def no_fetch(request: bi.FetchRequest, key_ring: bi.KeyRing, now: int) -> None:
        raise AssertionError(f"unexpected fetch of {request.source}")

    auth = bi.BackstageAuth(CONFIG, key_ring=ring, fetcher=no_fetch)
    now = int(time.time())
    token = signer.sign(
        {"sub": "user:default/alice", "aud": "backstage", "iat": now, "exp": now + 600}, typ="vnd.backstage.user"
    )
    expired = signer.sign(
        {"sub": "user:default/alice", "aud": "backstage", "iat": now - 700, "exp": now - 100}, typ="vnd.backstage.user"
    )
    return auth, token, expired


def test_fastapi_dependency(setup: Any) -> None:
    auth, token, expired = setup
    app = FastAPI()

    @app.get("/whoami")
    def whoami(credentials: bi.Credentials = Depends(fastapi_credentials(auth))) -> Dict[str, Any]:
        return credentials.principal.to_dict()

    client = TestClient(app)
    ok = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert (ok.status_code, ok.json()) == (200, {"type": "user", "userEntityRef": "user:default/alice"})
    for headers in [{}, {"Authorization": f"Bearer {expired}"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer x.y.z"}]:
        denied = client.get("/whoami", headers=headers)
        assert (denied.status_code, denied.json()) == (401, {"detail": "Unauthorized"})
        assert denied.headers["www-authenticate"] == "Bearer"
    forbidden = client.get("/whoami", headers={"Authorization": "Bearer scaffolder-only-token"})
    assert (forbidden.status_code, forbidden.json()) == (403, {"detail": "Forbidden"})


def test_flask_decorator(setup: Any) -> None:
    auth, token, expired = setup
    app = flask.Flask(__name__)

    @app.get("/whoami")
    @flask_credentials(auth)
    def whoami() -> Dict[str, Any]:
        return current_credentials().principal.to_dict()

    client = app.test_client()
    ok = client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert (ok.status_code, ok.get_json()) == (200, {"type": "user", "userEntityRef": "user:default/alice"})
    for headers in [{}, {"Authorization": f"Bearer {expired}"}, {"Authorization": "bearer"}]:
        denied = client.get("/whoami", headers=headers)
        assert (denied.status_code, denied.get_data(as_text=True)) == (401, "Unauthorized")
        assert denied.headers["WWW-Authenticate"] == "Bearer"
    forbidden = client.get("/whoami", headers={"Authorization": "Bearer scaffolder-only-token"})
    assert (forbidden.status_code, forbidden.get_data(as_text=True)) == (403, "Forbidden")


def test_flask_current_credentials_outside_a_decorated_view() -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError):
            current_credentials()


def test_configuration_errors_are_not_hidden_as_401() -> None:
    app = FastAPI()
    auth = bi.BackstageAuth({"pluginId": "catalog"}, key_ring=bi.KeyRing())

    @app.get("/x")
    def x(credentials: bi.Credentials = Depends(fastapi_credentials(auth))) -> str:
        return credentials.kind

    # A token with a lone surrogate cannot come from HTTP; call the dependency directly instead.
    dependency = fastapi_credentials(auth)

    class Connection:
        headers = {"authorization": "Bearer \ud800"}

    with pytest.raises(bi.ConfigError) as info:
        dependency(Connection())  # type: ignore[arg-type]
    assert (info.value.code, info.value.status) == ("ERR_INVALID_ARGUMENT", 500)
    # Without a header the same dependency answers 401 as usual.
    response = TestClient(app).get("/x")
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
