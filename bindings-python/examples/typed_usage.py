"""Type-checked (mypy --strict) use of the whole public API: verify, the step protocol, errors."""

from __future__ import annotations

import datetime
from typing import Dict, List, Optional, Union

import backstage_identity as bi

JWKS = (
    '{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"k1",'
    '"x":"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A","y":"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA"}]}'
)


def subject_of(token: str, keys: bi.KeySet, now: Optional[int] = None) -> Optional[str]:
    try:
        verified: bi.VerifiedToken = bi.verify(token, keys, bi.VerifyOptions({"algorithms": ["ES256"]}), now)
    except bi.ClaimsError as e:
        code: str = e.code
        status: int = e.status
        print(code, status)
        return None
    expires: Optional[datetime.datetime] = verified.expires_at
    print(expires, verified.claims.get("iss"))
    return verified.subject


def who(credentials: bi.Credentials) -> str:
    principal: Union[bi.UserPrincipal, bi.ServicePrincipal] = credentials.principal
    if isinstance(principal, bi.UserPrincipal):
        return principal.user_entity_ref
    restrictions: Optional[bi.AccessRestrictions] = principal.access_restrictions
    names: Optional[List[str]] = restrictions.permission_names if restrictions else None
    return f"{principal.subject} {names}"


def by_steps(auth: bi.Authenticator, ring: bi.KeyRing, token: str, documents: Dict[str, str], now: int) -> str:
    for _ in range(5):
        outcome = auth.step(token, key_ring=ring, now=now)
        if isinstance(outcome, bi.Credentials):
            return who(outcome)
        document = documents.get(outcome.source)
        if document is None:
            ring.fetch_failed(outcome.source, now)
        else:
            report: bi.LoadReport = ring.load(outcome.source, document, now)
            skipped: List[bi.SkippedKey] = report.skipped
            print(report.keys, [s.code for s in skipped])
    raise RuntimeError("the refresh protocol did not settle")


def main() -> None:
    keys = bi.KeySet(JWKS)
    print("keys:", len(keys), keys.kids)
    auth = bi.Authenticator({"pluginId": "catalog"})
    ring = bi.KeyRing(cooldown=30)
    try:
        by_steps(auth, ring, "not-a-token", {"auth": JWKS}, 1_700_000_000)
    except bi.MalformedTokenError as e:
        codes: Dict[str, tuple[int, str]] = bi.error_codes()
        print("refused:", e.code, e.family, e.status, codes[e.code][0])
    fetcher = bi.JwksFetcher("http://localhost:7007/api/{pluginId}", timeout=2.0)
    service = bi.BackstageAuth({"pluginId": "catalog"}, key_ring=ring, fetcher=fetcher)
    try:
        service.authenticate_header(None)
    except bi.BackstageIdentityError as e:
        print("no header:", e.code)
    header: Optional[str] = bi.get_bearer_token("Bearer abc")
    print("bearer:", header)


if __name__ == "__main__":
    main()
