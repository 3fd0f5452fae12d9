"""ES256 verification throughput, measured side by side in one run on the same token set:
backstage_identity (single thread and two threads), PyJWT with PyJWK objects, and joserfc.

Every contender checks the signature and `exp` against a pre-parsed key selected by `kid`, and
returns the claims. Prints ops/s and the ratios; the README quotes its output.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import threading
import time
import uuid
from typing import Any, Callable, Dict, List

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet as JoseKeySet
from jwt.algorithms import ECAlgorithm

import backstage_identity as bi

TOKENS = int(os.environ.get("BENCH_TOKENS", "200"))
PASSES = int(os.environ.get("BENCH_PASSES", "3"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "15"))


def make_tokens() -> tuple[str, List[str], int, List[Any]]:
    now = int(time.time())
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    kids = [str(uuid.uuid4()) for _ in keys]
    jwks = {"keys": []}  # type: Dict[str, List[Dict[str, Any]]]
    for key, kid in zip(keys, kids):
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
        jwks["keys"].append(jwk)
    tokens = []
    for i in range(TOKENS):
        claims = {
            "iss": "http://localhost:7007/api/auth",
            "sub": f"user:default/user{i}",
            "ent": [f"user:default/user{i}", "group:default/team"],
            "aud": "backstage",
            "iat": now,
            "exp": now + 3600,
        }
        headers = {"typ": "vnd.backstage.user", "kid": kids[i % 3]}
        tokens.append(pyjwt.encode(claims, keys[i % 3], algorithm="ES256", headers=headers))
    return json.dumps(jwks), tokens, now, [k.public_key() for k in keys]


def one_thread(run: Callable[[List[str]], None], tokens: List[str]) -> float:
    """Verifications per second over PASSES passes of the token set, on this thread."""
    start = time.perf_counter()
    for _ in range(PASSES):
        run(tokens)
    return PASSES * len(tokens) / (time.perf_counter() - start)


def two_threads(run: Callable[[List[str]], None], tokens: List[str]) -> float:
    """Verifications per second of two threads each doing PASSES passes of the token set."""
    barrier = threading.Barrier(3)

    def work() -> None:
        barrier.wait()
        for _ in range(PASSES):
            run(tokens)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return 2 * PASSES * len(tokens) / (time.perf_counter() - start)


def main() -> None:
    jwks_text, tokens, now, public_keys = make_tokens()

    # backstage_identity: key set and options parsed once.
    keys = bi.KeySet(jwks_text)
    options = bi.VerifyOptions({"algorithms": ["ES256"]})

    def ours(batch: List[str]) -> None:
        for token in batch:
            bi.verify(token, keys, options).claims

    # backstage_identity, full Backstage authentication (user token rules, key ring lookup).
    auth = bi.Authenticator({"pluginId": "catalog"})
    ring = bi.KeyRing()
    ring.load("auth", jwks_text)

    def ours_authenticate(batch: List[str]) -> None:
        for token in batch:
            auth.authenticate(token, key_ring=ring).principal

    # PyJWT: PyJWK objects parsed once, selected by kid.
    pyjwks = {k.key_id: k for k in pyjwt.PyJWKSet.from_json(jwks_text).keys}

    def pyjwt_run(batch: List[str]) -> None:
        for token in batch:
            kid = pyjwt.get_unverified_header(token)["kid"]
            pyjwt.decode(token, pyjwks[kid], algorithms=["ES256"], audience="backstage")

    # joserfc: KeySet imported once; decode selects by kid; registry checks exp.
    jose_keys = JoseKeySet.import_key_set(json.loads(jwks_text))
    registry = jose_jwt.JWTClaimsRegistry(aud={"essential": True, "value": "backstage"})

    def joserfc_run(batch: List[str]) -> None:
        for token in batch:
            registry.validate(jose_jwt.decode(token, jose_keys, algorithms=["ES256"]).claims)

    # Reference: cryptography's bare ECDSA verification (what PyJWT and joserfc call), signature
    # and signing input decoded beforehand: no JWT work at all.
    decoded = []
    for i, token in enumerate(tokens):
        signing_input, _, sig = token.rpartition(".")
        raw = pyjwt.utils.base64url_decode(sig)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        decoded.append((public_keys[i % 3], der, signing_input.encode()))
    by_token = dict(zip(tokens, decoded))
    ecdsa = ec.ECDSA(hashes.SHA256())

    def bare_run(batch: List[str]) -> None:
        for token in batch:
            key, der, data = by_token[token]
            key.verify(der, data, ecdsa)

    # Control: a stdlib call that releases the GIL, to show what two threads can gain on this
    # machine right now (other processes share the cores).
    blob = b"x" * (256 << 10)

    def control(batch: List[str]) -> None:
        for _ in batch:
            hashlib.sha256(blob).digest()

    for run in (ours, ours_authenticate, pyjwt_run, joserfc_run, bare_run):
        run(tokens[:20])  # warm up, and prove every contender accepts the tokens

    # Round-robin: every round measures every contender once, so a change in the machine's load
    # affects all of them alike; each contender keeps its best round.
    plan = [
        ("backstage_identity.verify (1 thread)", one_thread, ours, tokens),
        ("backstage_identity.Authenticator.authenticate (1 thread)", one_thread, ours_authenticate, tokens),
        ("PyJWT + PyJWK (1 thread)", one_thread, pyjwt_run, tokens),
        ("joserfc (1 thread)", one_thread, joserfc_run, tokens),
        ("backstage_identity.verify (2 threads)", two_threads, ours, tokens),
        ("reference: cryptography bare ECDSA verify (1 thread)", one_thread, bare_run, tokens),
        ("control: hashlib.sha256 (1 thread)", one_thread, control, tokens[:40]),
        ("control: hashlib.sha256 (2 threads)", two_threads, control, tokens[:40]),
    ]
    rates: Dict[str, float] = {name: 0.0 for name, *_ in plan}
    for _ in range(REPEATS):
        for name, measure, run, batch in plan:
            rates[name] = max(rates[name], measure(run, batch))
    control_ratio = rates.pop("control: hashlib.sha256 (2 threads)") / rates.pop("control: hashlib.sha256 (1 thread)")
    print(f"# ES256, {TOKENS} tokens x {PASSES} passes, best of {REPEATS} round-robin rounds; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    for name, rate in rates.items():
        print(f"{name:60s} {rate:10.0f} verifications/s")
    one = rates["backstage_identity.verify (1 thread)"]
    print(f"verify vs PyJWT:                 {one / rates['PyJWT + PyJWK (1 thread)']:.2f}x")
    print(f"verify vs joserfc:               {one / rates['joserfc (1 thread)']:.2f}x")
    auth_rate = rates["backstage_identity.Authenticator.authenticate (1 thread)"]
    print(f"authenticate vs PyJWT:           {auth_rate / rates['PyJWT + PyJWK (1 thread)']:.2f}x")
    print(f"two threads vs one (verify):     {rates['backstage_identity.verify (2 threads)'] / one:.2f}x")
    print(f"two threads vs one (control, hashlib.sha256 of 256 KiB): {control_ratio:.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
