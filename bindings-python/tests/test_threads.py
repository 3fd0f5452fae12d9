"""Objects are shared between threads; the key set is replaced while threads verify."""

from __future__ import annotations

import threading
from typing import Any, List

import backstage_identity as bi
from minting import NOW, Signer, jwks

THREADS = 8
ROUNDS = 300


def test_many_threads_authenticate_while_keys_are_replaced() -> None:
    signer, extra1, extra2 = Signer("ES256"), Signer("ES256"), Signer("RS256")
    documents = [jwks(signer), jwks(extra1, signer), jwks(signer, extra2).encode()]
    ring = bi.KeyRing()
    ring.load("auth", documents[0], now=NOW)
    auth = bi.Authenticator({"pluginId": "catalog"})
    tokens = [signer.user_token(sub=f"user:default/u{i}") for i in range(THREADS)]
    keys = bi.KeySet(documents[1])
    stop = threading.Event()
    results: List[List[Any]] = [[] for _ in range(THREADS)]
    errors: List[BaseException] = []

    loads: List[int] = []

    def replace() -> None:
        i = 0
        try:
            while not stop.is_set():
                i += 1
                loads.append(ring.load("auth", documents[i % 3], now=NOW).keys)
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    def work(n: int) -> None:
        try:
            for r in range(ROUNDS):
                if r % 2:
                    results[n].append(auth.authenticate(tokens[n], key_ring=ring, now=NOW + 1).principal.to_dict())
                else:
                    results[n].append({"sub": bi.verify(tokens[n], keys, now=NOW + 1).subject})
        except BaseException as e:  # reported by the assertion below
            errors.append(e)

    replacer = threading.Thread(target=replace)
    workers = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    replacer.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    replacer.join()
    assert errors == []
    assert loads and loads == [1 if i % 3 == 0 else 2 for i in range(1, len(loads) + 1)]
    for n in range(THREADS):
        sub = f"user:default/u{n}"
        expected = [{"type": "user", "userEntityRef": sub} if r % 2 else {"sub": sub} for r in range(ROUNDS)]
        assert results[n] == expected


def test_verified_claims_are_shared_safely() -> None:
    signer = Signer("EdDSA")
    verified = bi.verify(signer.user_token(ent=["group:default/a"]), jwks(signer), now=NOW)
    seen: List[Any] = []
    lock = threading.Lock()

    def read() -> None:
        for _ in range(200):
            claims = verified.claims
            with lock:
                seen.append(claims["ent"])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [["group:default/a"]] * 800
    assert verified.claims is verified.claims
