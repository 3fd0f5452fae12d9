"""Keys and Backstage-shaped tokens minted with PyJWT and cryptography, for the tests."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Optional

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

NOW = 1_800_000_000


class Signer:
    """A private key, its public JWK and the JWS algorithm it signs with."""

    def __init__(self, alg: str, kid: Optional[str] = None) -> None:
        self.alg = alg
        self.kid = kid if kid is not None else str(uuid.uuid4())
        key: Any
        if alg == "ES256":
            key = ec.generate_private_key(ec.SECP256R1())
            jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        elif alg == "ES384":
            key = ec.generate_private_key(ec.SECP384R1())
            jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        elif alg in ("RS256", "PS256"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        elif alg == "EdDSA":
            key = ed25519.Ed25519PrivateKey.generate()
            jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
        else:
            raise ValueError(alg)
        self.private_key = key
        jwk.update({"kid": self.kid, "alg": alg, "use": "sig"})
        self.jwk: Dict[str, Any] = jwk

    def sign(self, claims: Dict[str, Any], typ: Optional[str] = None, kid: Optional[str] = "self") -> str:
        headers: Dict[str, Any] = {}
        if typ is not None:
            headers["typ"] = typ
        if kid == "self":
            headers["kid"] = self.kid
        elif kid is not None:
            headers["kid"] = kid
        return jwt.encode(claims, self.private_key, algorithm=self.alg, headers=headers)

    def user_token(self, sub: str = "user:default/alice", ent: Optional[List[str]] = None, exp: int = NOW + 3600) -> str:
        claims: Dict[str, Any] = {
            "iss": "http://localhost:7007/api/auth",
            "sub": sub,
            "aud": "backstage",
            "iat": NOW - 10,
            "exp": exp,
        }
        if ent is not None:
            claims["ent"] = ent
        return self.sign(claims, typ="vnd.backstage.user")

    def plugin_token(self, sub: str, aud: str, obo: Optional[str] = None) -> str:
        claims: Dict[str, Any] = {"sub": sub, "aud": aud, "iat": NOW - 10, "exp": NOW + 3600}
        if obo is not None:
            claims["obo"] = obo
        return self.sign(claims, typ="vnd.backstage.plugin")


def jwks(*signers: Signer) -> str:
    return json.dumps({"keys": [s.jwk for s in signers]})
