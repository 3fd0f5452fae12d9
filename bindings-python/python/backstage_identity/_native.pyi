"""Type information for the native module ``backstage_identity._native``."""

from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple, Union, final

_Document = Union[str, bytes, bytearray]
_Config = Union[Dict[str, Any], str, bytes, bytearray]

__all__ = [
    "BackstageIdentityError",
    "MalformedTokenError",
    "KeySelectionError",
    "SignatureError",
    "ClaimsError",
    "AuthenticationError",
    "NotAllowedError",
    "ConfigError",
    "KeySet",
    "SkippedKey",
    "LoadReport",
    "VerifyOptions",
    "VerifiedToken",
    "KeyRing",
    "FetchRequest",
    "AccessRestrictions",
    "UserPrincipal",
    "ServicePrincipal",
    "Credentials",
    "Authenticator",
    "verify",
    "get_bearer_token",
    "error_codes",
    "MAX_JWKS_BYTES",
    "__version__",
]

MAX_JWKS_BYTES: int
__version__: str

class BackstageIdentityError(ValueError):
    """Base class of every error this package raises."""

    code: str
    """The core's stable string code, e.g. ``"ERR_TOKEN_EXPIRED"``."""
    number: int
    """The code's fixed number."""
    family: str
    """``malformed``, ``key``, ``signature``, ``claims``, ``authentication``, ``not_allowed`` or ``config``."""
    status: int
    """The HTTP status a Backstage backend answers with: 401, 403 or 500."""

class MalformedTokenError(BackstageIdentityError): ...
class KeySelectionError(BackstageIdentityError): ...
class SignatureError(BackstageIdentityError): ...
class ClaimsError(BackstageIdentityError): ...
class AuthenticationError(BackstageIdentityError): ...
class NotAllowedError(BackstageIdentityError): ...
class ConfigError(BackstageIdentityError): ...

@final
class SkippedKey:
    @property
    def index(self) -> int: ...
    @property
    def kid(self) -> Optional[str]: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class LoadReport:
    @property
    def keys(self) -> int: ...
    @property
    def skipped(self) -> List[SkippedKey]: ...

@final
class KeySet:
    def __new__(cls, jwks: _Document, *, allow_hmac: bool = False) -> "KeySet": ...
    def __len__(self) -> int: ...
    @property
    def skipped(self) -> List[SkippedKey]: ...
    @property
    def kids(self) -> List[Optional[str]]: ...

@final
class VerifyOptions:
    def __new__(cls, options: Optional[_Config] = None) -> "VerifyOptions": ...
    @property
    def algorithms(self) -> List[str]: ...
    @property
    def issuers(self) -> List[str]: ...
    @property
    def audiences(self) -> List[str]: ...
    @property
    def types(self) -> List[str]: ...
    @property
    def required_claims(self) -> List[str]: ...
    @property
    def require_exp(self) -> bool: ...
    @property
    def leeway(self) -> int: ...
    @property
    def reject_future_iat(self) -> bool: ...
    @property
    def max_token_len(self) -> int: ...
    @property
    def max_header_len(self) -> int: ...

@final
class VerifiedToken:
    @property
    def algorithm(self) -> str: ...
    @property
    def kid(self) -> Optional[str]: ...
    @property
    def typ(self) -> Optional[str]: ...
    @property
    def subject(self) -> Optional[str]: ...
    @property
    def issuer(self) -> Optional[str]: ...
    @property
    def expires_at(self) -> Optional[datetime]: ...
    @property
    def claims(self) -> Dict[str, Any]: ...
    @property
    def claims_json(self) -> str: ...

def verify(
    token: str,
    keys: Union[KeySet, _Document],
    options: Union[VerifyOptions, _Config, None] = None,
    now: Optional[int] = None,
    *,
    allow_hmac: bool = False,
) -> VerifiedToken: ...
def get_bearer_token(header: Optional[str]) -> Optional[str]: ...
def error_codes() -> Dict[str, Tuple[int, str]]: ...

@final
class KeyRing:
    def __new__(
        cls,
        *,
        max_age: Optional[int] = None,
        cooldown: Optional[int] = None,
        forced_reload_limit: Optional[int] = None,
        forced_reload_window: Optional[int] = None,
        max_sources: Optional[int] = None,
        new_plugin_source_limit: Optional[int] = None,
    ) -> "KeyRing": ...
    def load(self, source: str, jwks: _Document, now: Optional[int] = None) -> LoadReport: ...
    def fetch_failed(self, source: str, now: Optional[int] = None) -> None: ...
    def sources(self) -> List[str]: ...
    def loaded_at(self, source: str) -> Optional[int]: ...
    def key_count(self, source: str) -> Optional[int]: ...
    def remove(self, source: str) -> None: ...

@final
class FetchRequest:
    @property
    def source(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def in_flight(self) -> bool: ...
    @property
    def plugin_id(self) -> Optional[str]: ...
    def url(self, base_url: Optional[str] = None) -> str: ...

@final
class AccessRestrictions:
    @property
    def permission_names(self) -> Optional[List[str]]: ...
    @property
    def permission_attributes_action(self) -> Optional[List[str]]: ...

@final
class UserPrincipal:
    @property
    def type(self) -> str: ...
    @property
    def user_entity_ref(self) -> str: ...
    @property
    def actor(self) -> Optional[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class ServicePrincipal:
    @property
    def type(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def access_restrictions(self) -> Optional[AccessRestrictions]: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class Credentials:
    @property
    def principal(self) -> Union[UserPrincipal, ServicePrincipal]: ...
    @property
    def expires_at(self) -> Optional[datetime]: ...
    @property
    def expires_at_seconds(self) -> Optional[int]: ...
    @property
    def kind(self) -> str: ...
    @property
    def ownership_entity_refs(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

_Fetcher = Callable[[FetchRequest, KeyRing, int], object]

@final
class Authenticator:
    def __new__(cls, config: _Config) -> "Authenticator": ...
    @property
    def plugin_id(self) -> str: ...
    @property
    def allow_limited_access(self) -> bool: ...
    def step(
        self,
        token: str,
        *,
        key_ring: KeyRing,
        allow_limited_access: Optional[bool] = None,
        now: Optional[int] = None,
    ) -> Union[Credentials, FetchRequest]: ...
    def step_header(
        self,
        authorization: Optional[str],
        *,
        key_ring: KeyRing,
        allow_limited_access: Optional[bool] = None,
        now: Optional[int] = None,
    ) -> Union[Credentials, FetchRequest]: ...
    def authenticate(
        self,
        token: str,
        *,
        key_ring: KeyRing,
        fetcher: Optional[_Fetcher] = None,
        allow_limited_access: Optional[bool] = None,
        now: Optional[int] = None,
    ) -> Credentials: ...
    def authenticate_header(
        self,
        authorization: Optional[str],
        *,
        key_ring: KeyRing,
        fetcher: Optional[_Fetcher] = None,
        allow_limited_access: Optional[bool] = None,
        now: Optional[int] = None,
    ) -> Credentials: ...
