"""JwksFetcher against a JWKS served on 127.0.0.1, driven by the core's refresh protocol."""

from __future__ import annotations

import threading
from typing import Any, List

import pytest

import backstage_identity as bi
from jwks_server import JwksServer
from minting import NOW, Signer, jwks

AUTH_PATH = "/api/auth/.well-known/jwks.json"


def _auth(server: JwksServer, **kw: Any) -> bi.BackstageAuth:
    return bi.BackstageAuth({"pluginId": "catalog"}, base_url=server.base + "/api/{pluginId}", **kw)


def test_fetches_auth_keys_once_and_reuses_them() -> None:
    signer = Signer("ES256")
    with JwksServer({AUTH_PATH: (200, jwks(signer).encode())}) as server:
        auth = _auth(server)
        for _ in range(3):
            credentials = auth.authenticate(signer.user_token(), now=NOW)
            assert isinstance(credentials.principal, bi.UserPrincipal)
            assert credentials.principal.user_entity_ref == "user:default/alice"
        assert server.requests == [AUTH_PATH]
        assert auth.key_ring.loaded_at("auth") == NOW


def test_plugin_keys_come_from_the_issuing_plugin() -> None:
    signer = Signer("ES256")
    path = "/api/scaffolder/.backstage/auth/v1/jwks.json"
    with JwksServer({path: (200, jwks(signer).encode())}) as server:
        auth = _auth(server)
        credentials = auth.authenticate_header("Bearer " + signer.plugin_token("scaffolder", "catalog"), now=NOW)
        assert credentials.principal.to_dict() == {"type": "service", "subject": "plugin:scaffolder"}
        assert server.requests == [path]


def test_rotation_forces_one_reload_after_the_cooldown() -> None:
    old, new = Signer("ES256"), Signer("ES256")
    routes = {AUTH_PATH: (200, jwks(old).encode())}
    with JwksServer(routes) as server:
        auth = _auth(server)
        auth.authenticate(old.user_token(), now=NOW)
        routes[AUTH_PATH] = (200, jwks(old, new).encode())
        # Within the core's cooldown an unknown kid is refused without a fetch.
        with pytest.raises(bi.KeySelectionError) as info:
            auth.authenticate(new.user_token(), now=NOW + 5)
        assert info.value.code == "ERR_JWKS_NO_MATCHING_KEY"
        assert len(server.requests) == 1
        # After it, one forced reload picks up the new key.
        assert auth.authenticate(new.user_token(), now=NOW + 31).kind == "user"
        assert server.requests == [AUTH_PATH, AUTH_PATH]


def test_not_found_is_a_failed_fetch() -> None:
    signer = Signer("ES256")
    with JwksServer({}) as server:
        auth = _auth(server)
        with pytest.raises(bi.KeySelectionError) as info:
            auth.authenticate(signer.user_token(), now=NOW)
        assert (info.value.code, str(info.value)) == (
            "ERR_KEYS_UNAVAILABLE",
            "the keys of auth are not loaded and cannot be fetched now",
        )
        # The core's cooldown: no new request for 30 s.
        with pytest.raises(bi.KeySelectionError):
            auth.authenticate(signer.user_token(), now=NOW + 29)
        assert server.requests == [AUTH_PATH]


def test_invalid_document_is_a_failed_fetch() -> None:
    signer = Signer("ES256")
    with JwksServer({AUTH_PATH: (200, b"<html>")}) as server:
        with pytest.raises(bi.KeySelectionError) as info:
            _auth(server).authenticate(signer.user_token(), now=NOW)
        assert info.value.code == "ERR_KEYS_UNAVAILABLE"
        assert server.requests == [AUTH_PATH]


def test_timeout_is_a_failed_fetch() -> None:
    signer = Signer("ES256")
    with JwksServer({AUTH_PATH: (200, jwks(signer).encode())}, delay=1.0) as server:
        with pytest.raises(bi.KeySelectionError) as info:
            _auth(server, timeout=0.2).authenticate(signer.user_token(), now=NOW)
        assert info.value.code == "ERR_KEYS_UNAVAILABLE"


def test_connection_refused_is_a_failed_fetch() -> None:
    signer = Signer("ES256")
    with JwksServer({}) as server:
        port = server.port
    auth = bi.BackstageAuth({"pluginId": "catalog"}, base_url=f"http://127.0.0.1:{port}/api/{{pluginId}}")
    with pytest.raises(bi.KeySelectionError) as info:
        auth.authenticate(signer.user_token(), now=NOW)
    assert info.value.code == "ERR_KEYS_UNAVAILABLE"


def test_threads_share_one_fetch() -> None:
    signer = Signer("ES256")
    token = signer.user_token()
    with JwksServer({AUTH_PATH: (200, jwks(signer).encode())}, delay=0.3) as server:
        auth = _auth(server)
        results: List[Any] = []
        lock = threading.Lock()
        barrier = threading.Barrier(8)

        def work() -> None:
            barrier.wait()
            try:
                outcome: Any = auth.authenticate(token, now=NOW)
            except Exception as e:  # collected and asserted below
                outcome = e
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [type(r) for r in results] == [bi.Credentials] * 8
        assert server.requests == [AUTH_PATH]


def test_external_jwks_url_is_fetched_as_configured() -> None:
    signer = Signer("RS256")
    with JwksServer({"/idp/jwks.json": (200, jwks(signer).encode())}) as server:
        url = server.base + "/idp/jwks.json"
        config = {
            "pluginId": "catalog",
            "backend": {"auth": {"externalAccess": [{"type": "jwks", "options": {"url": url, "subjectPrefix": "idp"}}]}},
        }
        auth = bi.BackstageAuth(config)
        token = signer.sign({"sub": "robot", "exp": NOW + 60})
        credentials = auth.authenticate(token, now=NOW)
        assert (credentials.kind, credentials.principal.to_dict()) == (
            "external-jwks",
            {"type": "service", "subject": "external:idp:robot"},
        )
        assert server.requests == ["/idp/jwks.json"]


def test_fetcher_configuration_errors() -> None:
    with pytest.raises(ValueError):
        bi.JwksFetcher("http://no-placeholder")
    with pytest.raises(ValueError):
        bi.JwksFetcher("http://h/{pluginId}", timeout=0)
    # No base URL for a discovery source (only external JWKS configured): a token that needs one
    # is a failed fetch the core turns into a 401-family refusal, never a ValueError (a 500).
    auth = bi.BackstageAuth({"pluginId": "catalog"})
    for now in (NOW, NOW + 1):
        with pytest.raises(bi.KeySelectionError) as info:
            auth.authenticate(Signer("ES256").user_token(), now=now)
        assert info.value.code == "ERR_KEYS_UNAVAILABLE"
        assert info.value.status == 401


def test_without_a_fetcher_only_loaded_keys_are_used() -> None:
    signer = Signer("ES256")
    auth = bi.Authenticator({"pluginId": "catalog"})
    ring = bi.KeyRing()
    with pytest.raises(bi.KeySelectionError) as info:
        auth.authenticate(signer.user_token(), key_ring=ring, now=NOW)
    assert info.value.code == "ERR_KEYS_UNAVAILABLE"
    ring.load("auth", jwks(signer), now=NOW)
    assert auth.authenticate(signer.user_token(), key_ring=ring, now=NOW + 1).kind == "user"
    # Stale keys keep serving when no fetch can refresh them.
    assert auth.authenticate(signer.user_token(), key_ring=ring, now=NOW + 700).kind == "user"


def test_without_a_fetcher_a_pending_fetch_is_not_waited_for() -> None:
    signer = Signer("ES256")
    auth = bi.Authenticator({"pluginId": "catalog"})
    ring = bi.KeyRing()
    granted = auth.step(signer.user_token(), key_ring=ring, now=NOW)
    assert isinstance(granted, bi.FetchRequest) and not granted.in_flight
    with pytest.raises(bi.KeySelectionError) as info:
        auth.authenticate(signer.user_token(), key_ring=ring, now=NOW + 1)
    assert (info.value.code, str(info.value)) == (
        "ERR_KEYS_UNAVAILABLE",
        "the keys of auth are not loaded and cannot be fetched now",
    )
    # The granted fetch is still the step caller's to answer.
    ring.load("auth", jwks(signer), now=NOW + 2)
    assert auth.authenticate(signer.user_token(), key_ring=ring, now=NOW + 3).kind == "user"


def test_a_fetcher_that_never_loads_is_bounded() -> None:
    signer = Signer("ES256")
    calls: List[str] = []

    def lazy(request: bi.FetchRequest, key_ring: bi.KeyRing, now: int) -> None:
        calls.append(f"{request.source}:{request.reason}:{request.in_flight}")

    auth = bi.Authenticator({"pluginId": "catalog"})
    with pytest.raises(bi.KeySelectionError) as info:
        auth.authenticate(signer.user_token(), key_ring=bi.KeyRing(), fetcher=lazy, now=NOW)
    assert info.value.code == "ERR_KEYS_UNAVAILABLE"
    assert calls == ["auth:not_loaded:False"] + ["auth:not_loaded:True"] * 4
