"""Verify Backstage identity tokens with the answers of the Rust core ``backstage-identity``.

The native module does the work (GIL released while verifying); this package adds the HTTP
fetching of JWKS documents the core asks for (:class:`JwksFetcher`), a ready-made
:class:`BackstageAuth`, and optional FastAPI and Flask integrations
(``backstage_identity.fastapi``, ``backstage_identity.flask``).

>>> from backstage_identity import BackstageAuth
>>> auth = BackstageAuth({"pluginId": "catalog"}, base_url="http://backstage:7007/api/{pluginId}")
>>> credentials = auth.authenticate_header(request_headers.get("authorization"))  # doctest: +SKIP
"""

from ._native import (
    MAX_JWKS_BYTES,
    AccessRestrictions,
    AuthenticationError,
    Authenticator,
    BackstageIdentityError,
    ClaimsError,
    ConfigError,
    Credentials,
    FetchRequest,
    KeyRing,
    KeySelectionError,
    KeySet,
    LoadReport,
    MalformedTokenError,
    NotAllowedError,
    ServicePrincipal,
    SignatureError,
    SkippedKey,
    UserPrincipal,
    VerifiedToken,
    VerifyOptions,
    __version__,
    error_codes,
    get_bearer_token,
    verify,
)
from .fetcher import BackstageAuth, JwksFetcher

__all__ = [
    "MAX_JWKS_BYTES",
    "AccessRestrictions",
    "AuthenticationError",
    "Authenticator",
    "BackstageAuth",
    "BackstageIdentityError",
    "ClaimsError",
    "ConfigError",
    "Credentials",
    "FetchRequest",
    "JwksFetcher",
    "KeyRing",
    "KeySelectionError",
    "KeySet",
    "LoadReport",
    "MalformedTokenError",
    "NotAllowedError",
    "ServicePrincipal",
    "SignatureError",
    "SkippedKey",
    "UserPrincipal",
    "VerifiedToken",
    "VerifyOptions",
    "__version__",
    "error_codes",
    "get_bearer_token",
    "verify",
]
