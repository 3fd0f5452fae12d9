"""The exception hierarchy, and bad input: always a typed exception, never a crash."""

from __future__ import annotations

import json
from typing import Any, Dict, Type

import pytest

import backstage_identity as bi
from conftest import case_by_id

FAMILY_CLASSES: Dict[str, Type[bi.BackstageIdentityError]] = {
    "malformed": bi.MalformedTokenError,
    "key": bi.KeySelectionError,
    "signature": bi.SignatureError,
    "claims": bi.ClaimsError,
    "authentication": bi.AuthenticationError,
    "not_allowed": bi.NotAllowedError,
    "config": bi.ConfigError,
}

USER = case_by_id("backstage/001-user-es256-default")
AUTH_JWKS = json.dumps(USER["jwks"]["auth"])


def _raise(token: Any = "x", keys: Any = AUTH_JWKS, **kw: Any) -> bi.BackstageIdentityError:
    with pytest.raises(bi.BackstageIdentityError) as info:
        bi.verify(token, keys, **kw)
    return info.value


def test_hierarchy() -> None:
    assert issubclass(bi.BackstageIdentityError, ValueError)
    for cls in FAMILY_CLASSES.values():
        assert issubclass(cls, bi.BackstageIdentityError)
        assert cls.__module__ == "backstage_identity._native"
    assert len(set(FAMILY_CLASSES.values())) == 7


def test_error_codes_catalogue() -> None:
    codes = bi.error_codes()
    assert codes["ERR_TOKEN_EXPIRED"] == (402, "claims")
    assert codes["ERR_ACCESS_RESTRICTED"] == (504, "not_allowed")
    assert codes["ERR_INVALID_ARGUMENT"] == (602, "config")
    assert len(codes) == 40
    assert {family for _, family in codes.values()} == set(FAMILY_CLASSES)


def test_exception_attributes_come_from_the_core() -> None:
    e = _raise("a.b")
    assert type(e) is bi.MalformedTokenError
    assert (e.code, e.number, e.family, e.status) == ("ERR_JWS_SEGMENTS", 103, "malformed", 401)
    assert str(e) == "a JWS compact token has exactly 3 dot-separated segments, this one has 2"
    assert e.args == (str(e),)


def test_every_family_class_is_raised_with_its_code() -> None:
    # One refused token per family, each through the public API.
    expired = _raise(USER["token"], now=USER["expect"]["expires_at"] + 1)
    assert (type(expired), expired.code, expired.status) == (bi.ClaimsError, "ERR_TOKEN_EXPIRED", 401)
    unsigned = _raise("eyJhbGciOiJub25lIn0.e30.")
    assert (type(unsigned), unsigned.code) == (bi.KeySelectionError, "ERR_ALG_NONE")
    head, payload, sig = USER["token"].split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    bad_sig = _raise(f"{head}.{payload}.{flipped}", now=USER["now"])
    assert (type(bad_sig), bad_sig.code) == (bi.SignatureError, "ERR_SIGNATURE_INVALID")
    config = _raise(USER["token"], options={"nope": 1})
    assert (type(config), config.code, config.status) == (bi.ConfigError, "ERR_INVALID_OPTIONS", 500)


def test_authentication_and_not_allowed_families() -> None:
    case = case_by_id("backstage/022-limited-user-not-allowed")
    ring = bi.KeyRing()
    ring.load("auth", json.dumps(case["jwks"]["auth"]), now=case["now"])
    auth = bi.Authenticator(case["config"])
    with pytest.raises(bi.AuthenticationError) as info:
        auth.authenticate(case["token"], key_ring=ring, allow_limited_access=False, now=case["now"])
    assert info.value.code == "ERR_LIMITED_TOKEN_NOT_ALLOWED"
    assert auth.authenticate(case["token"], key_ring=ring, allow_limited_access=True, now=case["now"]).kind == (
        "limited-user"
    )
    static = bi.Authenticator(
        {
            "pluginId": "catalog",
            "backend": {
                "auth": {
                    "externalAccess": [
                        {
                            "type": "static",
                            "options": {"token": "static-token-123", "subject": "bot"},
                            "accessRestrictions": [{"plugin": "scaffolder"}],
                        }
                    ]
                }
            },
        }
    )
    with pytest.raises(bi.NotAllowedError) as denied:
        static.authenticate("static-token-123", key_ring=ring)
    assert (denied.value.code, denied.value.status) == ("ERR_ACCESS_RESTRICTED", 403)
    assert str(denied.value) == "this token's access is restricted to plugin(s) 'scaffolder'"


def test_messages_never_contain_the_token() -> None:
    for token in [USER["token"] + "x", USER["token"][:-3], "eyJ" + USER["token"]]:
        e = _raise(token, now=USER["now"])
        assert token not in str(e) and "eyJ" not in str(e)


@pytest.mark.parametrize(
    "token, message",
    [
        (5, "invalid argument: token must be a str, not int"),
        (None, "invalid argument: token must be a str, not NoneType"),
        (b"a.b.c", "invalid argument: token must be a str, not bytes"),
        ("\ud800.a.b", "invalid argument: token is not valid Unicode text (it contains a lone surrogate)"),
    ],
)
def test_wrong_token_types(token: Any, message: str) -> None:
    e = _raise(token)
    assert (type(e), e.code, str(e)) == (bi.ConfigError, "ERR_INVALID_ARGUMENT", message)


def test_wrong_argument_types_everywhere() -> None:
    ring = bi.KeyRing()
    auth = bi.Authenticator({"pluginId": "catalog"})
    cases: Any = [
        lambda: ring.load("auth", 42),
        lambda: ring.load(42, "{}"),
        lambda: ring.load("somewhere", "{}"),
        lambda: ring.load("auth", AUTH_JWKS, now=-1),
        lambda: ring.load("auth", AUTH_JWKS, now=2**64),
        lambda: ring.load("auth", AUTH_JWKS, now=1.5),
        lambda: ring.load("auth", AUTH_JWKS, now=True),
        lambda: ring.fetch_failed("nope"),
        lambda: auth.step(["x"], key_ring=ring),
        lambda: auth.step_header(b"Bearer x", key_ring=ring),
        lambda: bi.Authenticator(["pluginId"]),
        lambda: bi.Authenticator({"pluginId": object()}),
        lambda: bi.KeySet({"keys": []}),
        lambda: bi.verify("a.b.c", AUTH_JWKS, options=3),
        lambda: bi.get_bearer_token(3),
    ]
    for call in cases:
        with pytest.raises(bi.ConfigError) as info:
            call()
        assert info.value.code == "ERR_INVALID_ARGUMENT", info.value


def test_key_ring_must_be_a_key_ring() -> None:
    auth = bi.Authenticator({"pluginId": "catalog"})
    with pytest.raises(TypeError):
        auth.step("a.b.c", key_ring="ring")  # type: ignore[arg-type]


def test_huge_strings() -> None:
    huge = "a" * (64 * 1024 * 1024)
    e = _raise(huge)
    assert (e.code, str(e)) == ("ERR_TOKEN_TOO_LARGE", "the token is longer than 65536 characters")
    auth = bi.Authenticator({"pluginId": "catalog"})
    with pytest.raises(bi.MalformedTokenError) as info:
        auth.authenticate(huge, key_ring=bi.KeyRing())
    assert info.value.code == "ERR_TOKEN_TOO_LARGE"
    with pytest.raises(bi.KeySelectionError) as jwks:
        bi.KeySet(b"[" * (2 * 1024 * 1024))
    assert jwks.value.code == "ERR_JWKS_INVALID"


def test_bytes_that_are_not_utf8() -> None:
    for document in [b"\xff\xfe", b'{"keys":[{"kty":"\xff"}]}']:
        with pytest.raises(bi.KeySelectionError) as info:
            bi.KeySet(document)
        assert info.value.code == "ERR_JWKS_INVALID"
    with pytest.raises(bi.ConfigError) as config:
        bi.Authenticator(b'{"pluginId":"\xff"}')
    assert config.value.code == "ERR_INVALID_CONFIG"
    with pytest.raises(bi.ConfigError) as options:
        bi.VerifyOptions(bytearray(b"\x80"))
    assert options.value.code == "ERR_INVALID_OPTIONS"


def test_garbage_tokens_never_crash() -> None:
    samples = ["", ".", "..", "...", "a.b.c", "\x00.\x00.\x00", "é.é.é", "eyJ.eyJ.eyJ", "Bearer x", "\U0001f600" * 10]
    auth = bi.Authenticator({"pluginId": "catalog"})
    for token in samples:
        with pytest.raises(bi.BackstageIdentityError):
            bi.verify(token, AUTH_JWKS)
        with pytest.raises(bi.BackstageIdentityError):
            auth.authenticate(token, key_ring=bi.KeyRing())


def test_get_bearer_token() -> None:
    assert bi.get_bearer_token("Bearer abc") == "abc"
    assert bi.get_bearer_token("bearer   abc") == "abc"
    assert bi.get_bearer_token("Bearer\tabc") is None
    assert bi.get_bearer_token("Bearer a b") is None
    assert bi.get_bearer_token(None) is None


def test_missing_and_bad_headers() -> None:
    auth = bi.Authenticator({"pluginId": "catalog"})
    with pytest.raises(bi.MalformedTokenError) as missing:
        auth.authenticate_header(None, key_ring=bi.KeyRing())
    assert missing.value.code == "ERR_TOKEN_MISSING"
    with pytest.raises(bi.MalformedTokenError) as basic:
        auth.authenticate_header("Basic abc", key_ring=bi.KeyRing())
    assert basic.value.code == "ERR_AUTHORIZATION_HEADER"


def test_exceptions_survive_pickling() -> None:
    import pickle

    e = _raise("a.b")
    copy = pickle.loads(pickle.dumps(e))
    assert (type(copy), str(copy), copy.code, copy.number, copy.family, copy.status) == (
        bi.MalformedTokenError,
        str(e),
        "ERR_JWS_SEGMENTS",
        103,
        "malformed",
        401,
    )
