"""Tokens minted with PyJWT / cryptography get the verdicts the core defines."""

from __future__ import annotations

import datetime
import json

import pytest

import backstage_identity as bi
from minting import NOW, Signer, jwks


@pytest.mark.parametrize("alg", ["ES256", "ES384", "RS256", "PS256", "EdDSA"])
def test_user_token_per_algorithm(alg: str) -> None:
    signer = Signer(alg)
    ring = bi.KeyRing()
    ring.load("auth", jwks(signer), now=NOW)
    auth = bi.Authenticator({"pluginId": "catalog"})
    token = signer.user_token(ent=["user:default/alice", "group:default/team"])
    credentials = auth.authenticate(token, key_ring=ring, now=NOW)
    assert credentials.kind == "user"
    principal = credentials.principal
    assert isinstance(principal, bi.UserPrincipal)
    assert (principal.type, principal.user_entity_ref, principal.actor) == ("user", "user:default/alice", None)
    assert credentials.ownership_entity_refs == ["user:default/alice", "group:default/team"]
    assert credentials.expires_at == datetime.datetime.fromtimestamp(NOW + 3600, tz=datetime.timezone.utc)
    assert credentials.to_dict() == {
        "principal": {"type": "user", "userEntityRef": "user:default/alice"},
        "expiresAt": NOW + 3600,
        "kind": "user",
        "ownershipEntityRefs": ["user:default/alice", "group:default/team"],
    }
    verified = bi.verify(token, jwks(signer), {"types": ["vnd.backstage.user"]}, NOW)
    assert (verified.algorithm, verified.kid, verified.typ) == (alg, signer.kid, "vnd.backstage.user")
    assert verified.claims["ent"] == ["user:default/alice", "group:default/team"]
    assert json.loads(verified.claims_json) == verified.claims
    assert verified.issuer == "http://localhost:7007/api/auth"


def test_expiry_boundary_is_the_cores() -> None:
    signer = Signer("ES256")
    token = signer.user_token(exp=NOW + 100)
    keys = bi.KeySet(jwks(signer))
    assert bi.verify(token, keys, now=NOW + 99).subject == "user:default/alice"
    with pytest.raises(bi.ClaimsError) as info:
        bi.verify(token, keys, now=NOW + 100)
    assert info.value.code == "ERR_TOKEN_EXPIRED"
    assert bi.verify(token, keys, {"leeway": 1}, NOW + 100).subject == "user:default/alice"


def test_wrong_key_and_tampering() -> None:
    signer, other = Signer("ES256", kid="k1"), Signer("ES256", kid="k1")
    token = signer.user_token()
    with pytest.raises(bi.SignatureError) as info:
        bi.verify(token, jwks(other), now=NOW)
    assert info.value.code == "ERR_SIGNATURE_INVALID"
    # Alice's signature over Mallory's payload.
    head, _, sig = token.split(".")
    mallory = signer.user_token(sub="user:default/mallory").split(".")[1]
    with pytest.raises(bi.SignatureError) as forged:
        bi.verify(f"{head}.{mallory}.{sig}", jwks(signer), now=NOW)
    assert forged.value.code == "ERR_SIGNATURE_INVALID"


def test_hs256_needs_allow_hmac_and_the_policy() -> None:
    import jwt

    secret = b"0123456789abcdef0123456789abcdef"
    token = jwt.encode({"sub": "x", "exp": NOW + 10}, secret, algorithm="HS256")
    doc = json.dumps({"keys": [{"kty": "oct", "k": jwt.utils.base64url_encode(secret).decode(), "alg": "HS256"}]})
    with pytest.raises(bi.KeySelectionError) as refused:
        bi.verify(token, doc, now=NOW)
    assert refused.value.code == "ERR_JWKS_NO_USABLE_KEY"
    with pytest.raises(bi.KeySelectionError) as policy:
        bi.verify(token, doc, now=NOW, allow_hmac=True)
    assert policy.value.code == "ERR_ALG_NOT_ALLOWED"
    assert bi.verify(token, doc, {"algorithms": ["HS256"]}, NOW, allow_hmac=True).subject == "x"


def test_plugin_token_on_behalf_of_a_user() -> None:
    auth_key, plugin_key = Signer("ES256"), Signer("ES256")
    ring = bi.KeyRing()
    ring.load("auth", jwks(auth_key), now=NOW)
    ring.load("plugin:scaffolder", jwks(plugin_key), now=NOW)
    catalog = bi.Authenticator({"pluginId": "catalog"})
    limited = auth_key.sign(
        {"sub": "user:default/bob", "iat": NOW - 1, "exp": NOW + 60}, typ="vnd.backstage.limited-user"
    )
    token = plugin_key.plugin_token("scaffolder", "catalog", obo=limited)
    credentials = catalog.authenticate(token, key_ring=ring, now=NOW)
    assert credentials.kind == "plugin-obo"
    assert credentials.principal == catalog.authenticate(token, key_ring=ring, now=NOW).principal
    assert credentials.principal.to_dict() == {
        "type": "user",
        "userEntityRef": "user:default/bob",
        "actor": {"type": "service", "subject": "plugin:scaffolder"},
    }
    assert credentials.expires_at_seconds == NOW + 60
    plain = catalog.authenticate(plugin_key.plugin_token("scaffolder", "catalog"), key_ring=ring, now=NOW)
    assert isinstance(plain.principal, bi.ServicePrincipal)
    assert (plain.kind, plain.principal.subject, plain.expires_at) == ("plugin", "plugin:scaffolder", None)
    with pytest.raises(bi.ClaimsError) as info:
        catalog.authenticate(plugin_key.plugin_token("scaffolder", "todo"), key_ring=ring, now=NOW)
    assert info.value.code == "ERR_AUDIENCE_MISMATCH"


def test_step_api_asks_for_the_issuing_plugins_keys() -> None:
    plugin_key = Signer("ES256")
    ring = bi.KeyRing()
    catalog = bi.Authenticator({"pluginId": "catalog"})
    token = plugin_key.plugin_token("scaffolder", "catalog")
    request = catalog.step(token, key_ring=ring, now=NOW)
    assert isinstance(request, bi.FetchRequest)
    assert (request.source, request.reason, request.in_flight, request.plugin_id) == (
        "plugin:scaffolder",
        "not_loaded",
        False,
        "scaffolder",
    )
    assert request.url("http://h:7007/api/scaffolder") == "http://h:7007/api/scaffolder/.backstage/auth/v1/jwks.json"
    with pytest.raises(bi.ConfigError):
        request.url()
    again = catalog.step(token, key_ring=ring, now=NOW + 1)
    assert isinstance(again, bi.FetchRequest) and again.in_flight
    report = ring.load("plugin:scaffolder", jwks(plugin_key).encode(), now=NOW + 2)
    assert (report.keys, report.skipped) == (1, [])
    assert ring.sources() == ["plugin:scaffolder"]
    assert ring.loaded_at("plugin:scaffolder") == NOW + 2
    assert ring.key_count("plugin:scaffolder") == 1
    done = catalog.step(token, key_ring=ring, now=NOW + 3)
    assert isinstance(done, bi.Credentials) and done.kind == "plugin"


def test_external_access_restrictions() -> None:
    auth = bi.Authenticator(
        {
            "pluginId": "catalog",
            "backend": {
                "auth": {
                    "externalAccess": [
                        {
                            "type": "static",
                            "options": {"token": "static-token-123", "subject": "ci-bot"},
                            "accessRestrictions": [
                                {"plugin": "catalog", "permission": "catalog.entity.read", "permissionAttribute": {"action": ["read"]}}
                            ],
                        }
                    ]
                }
            },
        }
    )
    credentials = auth.authenticate_header("Bearer static-token-123", key_ring=bi.KeyRing())
    principal = credentials.principal
    assert isinstance(principal, bi.ServicePrincipal)
    assert principal.subject == "ci-bot"
    restrictions = principal.access_restrictions
    assert restrictions is not None
    assert restrictions.permission_names == ["catalog.entity.read"]
    assert restrictions.permission_attributes_action == ["read"]
    assert principal.to_dict() == {
        "type": "service",
        "subject": "ci-bot",
        "accessRestrictions": {"permissionNames": ["catalog.entity.read"], "permissionAttributes": {"action": ["read"]}},
    }


def test_skipped_keys_are_reported() -> None:
    signer = Signer("ES256", kid="good")
    doc = json.dumps({"keys": [signer.jwk, {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny"}]})
    keys = bi.KeySet(doc)
    assert len(keys) == 1 and keys.kids == ["good"]
    [skipped] = keys.skipped
    assert (skipped.index, skipped.kid, skipped.code) == (1, "tiny", "ERR_JWK_INVALID")
    report = bi.KeyRing().load("auth", doc, now=NOW)
    assert report.keys == 1 and [s.kid for s in report.skipped] == ["tiny"]


def test_claims_keep_python_json_types() -> None:
    signer = Signer("ES256")
    token = signer.sign({"sub": "x", "exp": NOW + 10, "big": 2**70, "pi": 3.25, "nested": {"a": [1, None, True]}})
    claims = bi.verify(token, jwks(signer), now=NOW).claims
    assert claims == {"sub": "x", "exp": NOW + 10, "big": 2**70, "pi": 3.25, "nested": {"a": [1, None, True]}}
    assert type(claims["big"]) is int


def test_expires_at_beyond_datetime_range_is_clamped() -> None:
    signer = Signer("ES256")
    utc = datetime.timezone.utc
    far = bi.verify(signer.sign({"sub": "x", "exp": 10**20}), jwks(signer), now=NOW)
    assert far.expires_at == datetime.datetime.max.replace(tzinfo=utc)
    fractional = bi.verify(signer.sign({"sub": "x", "exp": NOW + 0.5}), jwks(signer), now=NOW)
    assert fractional.expires_at == datetime.datetime.fromtimestamp(NOW, tz=utc) + datetime.timedelta(seconds=0.5)
    assert bi.verify(signer.sign({"sub": "x"}), jwks(signer), {"require_exp": False}, NOW).expires_at is None
