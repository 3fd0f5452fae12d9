"""The IO the core asks for: fetching JWKS documents over HTTP (urllib, with a timeout).

The core never fetches. When a token needs keys that are missing, stale or lack its ``kid``,
:meth:`Authenticator.step` returns a :class:`FetchRequest`; :class:`JwksFetcher` satisfies it
(GET the source's JWKS, then :meth:`KeyRing.load`, or :meth:`KeyRing.fetch_failed` on any
failure) and the authenticator tries again. When and how often to fetch is the core's decision.

>>> from backstage_identity import BackstageAuth
>>> auth = BackstageAuth({"pluginId": "catalog"}, base_url="http://127.0.0.1:7007/api/{pluginId}")
>>> auth.authenticate_header("Bearer " + token).principal  # doctest: +SKIP
UserPrincipal(user_entity_ref="user:default/alice", actor=None)
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Optional, Set, Union

from ._native import (
    MAX_JWKS_BYTES,
    Authenticator,
    BackstageIdentityError,
    Credentials,
    FetchRequest,
    KeyRing,
)

__all__ = ["BaseUrl", "BackstageAuth", "Fetcher", "JwksFetcher"]

#: Backstage discovery: ``getBaseUrl(pluginId)``. A ``str`` is a template containing
#: ``{pluginId}``, e.g. ``"http://backstage:7007/api/{pluginId}"``.
BaseUrl = Union[str, Callable[[str], str]]

#: What :meth:`Authenticator.authenticate` calls when the core asks for keys.
Fetcher = Callable[[FetchRequest, KeyRing, int], object]

_log = logging.getLogger("backstage_identity")

# How long a thread told that a fetch is pending waits for that fetch to start before it asks the
# core again (the fetch was granted to another thread an instant ago).
_START_GRACE = 0.05


class JwksFetcher:
    """Fetches a source's JWKS over HTTP when the core asks, sharing one fetch between threads.

    ``base_url`` resolves a plugin id (``"auth"`` or the issuing plugin's id) to its base URL, as
    Backstage discovery does: a callable, or a ``str`` template with ``{pluginId}``. It may be
    ``None`` when only external JWKS URLs are configured. ``timeout`` (seconds) bounds each socket
    operation. Any failure (connection, timeout, non-200 status, non-HTTP URL) is reported to
    the key ring as a failed fetch; the core then applies its cooldown.

    >>> fetcher = JwksFetcher("http://127.0.0.1:7007/api/{pluginId}", timeout=2.0)
    >>> credentials = authenticator.authenticate(token, key_ring=ring, fetcher=fetcher)  # doctest: +SKIP
    """

    def __init__(self, base_url: Optional[BaseUrl] = None, *, timeout: float = 5.0) -> None:
        if isinstance(base_url, str) and "{pluginId}" not in base_url:
            raise ValueError("a base_url template must contain {pluginId}")
        if not timeout > 0:
            raise ValueError("timeout must be a positive number of seconds")
        self._base_url = base_url
        self._timeout = float(timeout)
        self._cond = threading.Condition()
        self._active: Set[str] = set()
        self.fetches = 0
        """How many HTTP requests this fetcher has made."""

    def url(self, request: FetchRequest) -> str:
        """The JWKS URL of ``request``'s source (discovery base URL plus the core's path)."""
        plugin_id = request.plugin_id
        if plugin_id is None:
            return request.url()
        if self._base_url is None:
            raise ValueError(f"no base_url to resolve {request.source!r}")
        if isinstance(self._base_url, str):
            base = self._base_url.replace("{pluginId}", urllib.parse.quote(plugin_id, safe=""))
        else:
            base = self._base_url(plugin_id)
        return request.url(base)

    def __call__(self, request: FetchRequest, key_ring: KeyRing, now: int) -> None:
        """Satisfies ``request``: wait for the pending fetch of its source, or fetch and load."""
        source = request.source
        if request.in_flight:
            self._wait(source)
            return
        with self._cond:
            self._active.add(source)
        try:
            try:
                # Resolving the URL can fail too (no base_url for a Backstage source): that is a
                # failed fetch the core decides about, never an error escaping to the caller.
                body = self._get(self.url(request))
            except (OSError, ValueError, urllib.error.URLError, http.client.HTTPException) as e:
                _log.warning("fetching the JWKS of %s failed: %s", source, type(e).__name__)
                key_ring.fetch_failed(source, now)
                return
            try:
                key_ring.load(source, body, now)
            except BackstageIdentityError as e:
                # The core kept the previous keys and counted the attempt as a failure.
                _log.warning("the JWKS of %s was refused: %s (%s)", source, e, e.code)
        finally:
            with self._cond:
                self._active.discard(source)
                self._cond.notify_all()

    def _wait(self, source: str) -> None:
        with self._cond:
            if source not in self._active:
                self._cond.wait_for(lambda: source in self._active, timeout=_START_GRACE)
            self._cond.wait_for(lambda: source not in self._active, timeout=self._timeout)

    def _get(self, url: str) -> bytes:
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"not an HTTP URL (scheme {scheme!r})")
        req = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": "backstage-identity-python"}
        )
        with self._cond:
            self.fetches += 1
        with urllib.request.urlopen(req, timeout=self._timeout) as response:
            status = response.status
            if status != 200:
                raise ValueError(f"HTTP status {status}")
            # One byte more than the core accepts, so an oversized document is refused by the core.
            body: bytes = response.read(MAX_JWKS_BYTES + 1)
            return body


class BackstageAuth:
    """An :class:`Authenticator`, a :class:`KeyRing` and a :class:`JwksFetcher`, ready to use.

    ``config`` is the core's configuration (``{"pluginId": ..., "backend": {"auth": ...}}``);
    ``base_url`` resolves plugin ids to base URLs (see :class:`JwksFetcher`). Thread-safe: share
    one instance for the whole process.

    >>> auth = BackstageAuth({"pluginId": "catalog"}, base_url="http://backstage:7007/api/{pluginId}")
    >>> auth.authenticate_header(None)
    Traceback (most recent call last):
    ...
    backstage_identity._native.MalformedTokenError: no token was presented
    """

    def __init__(
        self,
        config: Union[Dict[str, Any], str, bytes],
        base_url: Optional[BaseUrl] = None,
        *,
        timeout: float = 5.0,
        key_ring: Optional[KeyRing] = None,
        fetcher: Optional[Fetcher] = None,
    ) -> None:
        self.authenticator = Authenticator(config)
        self.key_ring = key_ring if key_ring is not None else KeyRing()
        self.fetcher: Fetcher = fetcher if fetcher is not None else JwksFetcher(base_url, timeout=timeout)

    def authenticate(
        self, token: str, *, allow_limited_access: Optional[bool] = None, now: Optional[int] = None
    ) -> Credentials:
        """Authenticates a bare token; raises a :class:`BackstageIdentityError` subclass."""
        return self.authenticator.authenticate(
            token,
            key_ring=self.key_ring,
            fetcher=self.fetcher,
            allow_limited_access=allow_limited_access,
            now=now,
        )

    def authenticate_header(
        self,
        authorization: Optional[str],
        *,
        allow_limited_access: Optional[bool] = None,
        now: Optional[int] = None,
    ) -> Credentials:
        """Authenticates an ``Authorization`` header value (``None`` when the request has none)."""
        return self.authenticator.authenticate_header(
            authorization,
            key_ring=self.key_ring,
            fetcher=self.fetcher,
            allow_limited_access=allow_limited_access,
            now=now,
        )
