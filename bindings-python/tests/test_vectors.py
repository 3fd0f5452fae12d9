"""Every case of tests/vectors/vectors.json through the binding, mirroring core/tests/vectors.rs."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

import backstage_identity as bi
from conftest import VECTORS_DIR, load_vectors

CASES = load_vectors()


def _ids(kind: str) -> List[Dict[str, Any]]:
    return [c for c in CASES if c["kind"] == kind]


def _doc(value: Any) -> str:
    return json.dumps(value)


def _ring(case: Dict[str, Any]) -> bi.KeyRing:
    ring = bi.KeyRing()
    preload = case.get("preload")
    if preload is not None:
        for source, doc in preload["jwks"].items():
            ring.load(source, _doc(doc), now=preload["at"])
    return ring


def _step(auth: bi.Authenticator, ring: bi.KeyRing, case: Dict[str, Any]) -> Any:
    limited = case.get("allow_limited_access", False)
    if "authorization" in case:
        return auth.step_header(case["authorization"], key_ring=ring, allow_limited_access=limited, now=case["now"])
    return auth.step(case["token"], key_ring=ring, allow_limited_access=limited, now=case["now"])


def drive_steps(case: Dict[str, Any]) -> Tuple[Any, List[str]]:
    """The step API: authenticate, fetch what is asked (from the case's map), load, retry."""
    auth = bi.Authenticator(case["config"])
    ring = _ring(case)
    fetches: List[str] = []
    for _ in range(5):
        try:
            outcome = _step(auth, ring, case)
        except bi.BackstageIdentityError as e:
            return e, fetches
        if isinstance(outcome, bi.Credentials):
            return outcome, fetches
        assert isinstance(outcome, bi.FetchRequest)
        assert not outcome.in_flight, "nothing else is fetching"
        doc = case["jwks"].get(outcome.source)
        if doc is not None:
            ring.load(outcome.source, _doc(doc), now=case["now"])
        else:
            ring.fetch_failed(outcome.source, now=case["now"])
        fetches.append(outcome.source)
    raise AssertionError("the refresh protocol did not settle")


def drive_authenticate(case: Dict[str, Any]) -> Tuple[Any, List[str]]:
    """The same case through authenticate() with a fetcher callable."""
    auth = bi.Authenticator(case["config"])
    ring = _ring(case)
    fetches: List[str] = []

    def fetcher(request: bi.FetchRequest, key_ring: bi.KeyRing, now: int) -> None:
        assert key_ring is ring and now == case["now"] and not request.in_flight
        fetches.append(request.source)
        doc = case["jwks"].get(request.source)
        if doc is None:
            key_ring.fetch_failed(request.source, now)
        else:
            key_ring.load(request.source, _doc(doc), now)

    limited = case.get("allow_limited_access", False)
    try:
        if "authorization" in case:
            result: Any = auth.authenticate_header(
                case["authorization"], key_ring=ring, fetcher=fetcher, allow_limited_access=limited, now=case["now"]
            )
        else:
            result = auth.authenticate(
                case["token"], key_ring=ring, fetcher=fetcher, allow_limited_access=limited, now=case["now"]
            )
    except bi.BackstageIdentityError as e:
        result = e
    return result, fetches


def check_authenticate(case: Dict[str, Any], result: Any, fetches: List[str]) -> None:
    expect = case["expect"]
    if "fetches" in expect:
        assert fetches == expect["fetches"]
    if expect["ok"]:
        assert isinstance(result, bi.Credentials), f"expected credentials, got {result!r}"
        assert result.principal.to_dict() == expect["principal"]
        assert result.to_dict()["principal"] == expect["principal"]
        assert result.expires_at_seconds == expect["expires_at"]
        if expect["expires_at"] is None:
            assert result.expires_at is None
        else:
            assert result.expires_at is not None
            assert result.expires_at.utcoffset() is not None
            assert result.expires_at.timestamp() == expect["expires_at"]
    else:
        assert isinstance(result, bi.BackstageIdentityError), f"expected {expect['code']}, got {result!r}"
        assert result.code == expect["code"]
        assert bi.error_codes()[result.code][1] == result.family


@pytest.mark.parametrize("case", _ids("authenticate"), ids=lambda c: c["id"])
def test_authenticate_vector_by_steps(case: Dict[str, Any]) -> None:
    result, fetches = drive_steps(case)
    check_authenticate(case, result, fetches)


@pytest.mark.parametrize("case", _ids("authenticate"), ids=lambda c: c["id"])
def test_authenticate_vector_with_fetcher(case: Dict[str, Any]) -> None:
    result, fetches = drive_authenticate(case)
    check_authenticate(case, result, fetches)


@pytest.mark.parametrize("case", _ids("verify"), ids=lambda c: c["id"])
def test_verify_vector(case: Dict[str, Any]) -> None:
    allow_hmac = bool(case["key_options"].get("allow_hmac", False))
    keys = bi.KeySet(_doc(case["jwks"]), allow_hmac=allow_hmac)
    options = bi.VerifyOptions(case["options"])
    expect = case["expect"]
    try:
        verified: Optional[bi.VerifiedToken] = bi.verify(case["token"], keys, options, now=case["now"])
    except bi.BackstageIdentityError as e:
        assert not expect["ok"], f"expected sub {expect.get('sub')!r}, got {e.code}"
        assert e.code == expect["code"]
        return
    assert expect["ok"], f"expected {expect['code']}, got a verified token"
    assert verified is not None
    assert verified.subject == expect["sub"]
    assert verified.claims.get("sub") == expect["sub"]
    # The same verdict with the JWKS and options given as documents.
    again = bi.verify(case["token"], _doc(case["jwks"]), case["options"], case["now"], allow_hmac=allow_hmac)
    assert again.claims == verified.claims


@pytest.mark.parametrize("case", _ids("jwks"), ids=lambda c: c["id"])
def test_jwks_vector(case: Dict[str, Any]) -> None:
    expect = case["expect"]
    allow_hmac = bool(case["key_options"].get("allow_hmac", False))
    try:
        keys = bi.KeySet(_doc(case["jwks"]).encode(), allow_hmac=allow_hmac)
    except bi.BackstageIdentityError as e:
        assert not expect["ok"]
        assert e.code == expect["code"]
        return
    assert expect["ok"], f"expected {expect['code']}"
    assert (len(keys), len(keys.skipped)) == (expect["keys"], expect["skipped"])


def test_every_vector_is_collected() -> None:
    assert len(CASES) >= 130
    kinds = {c["kind"] for c in CASES}
    assert kinds == {"authenticate", "verify", "jwks"}


def test_backstage_cases_keep_backstages_verdicts() -> None:
    """The converted Backstage-minted cases give Backstage's own verdicts through the binding."""
    originals = sorted((VECTORS_DIR / "backstage").glob("*.json"))
    assert len(originals) == 44
    by_id = {c["id"]: c for c in CASES}
    for path in originals:
        original = json.loads(path.read_text(encoding="utf-8"))
        case = by_id["backstage/" + original["id"]]
        verdict = original["backstage"]["DefaultAuthService"]
        result, _ = drive_steps(case)
        if verdict["ok"]:
            assert isinstance(result, bi.Credentials), original["id"]
            assert result.principal.to_dict() == verdict["principal"], original["id"]
            assert result.expires_at_seconds == verdict["expiresAt"], original["id"]
        else:
            assert isinstance(result, bi.BackstageIdentityError), original["id"]
