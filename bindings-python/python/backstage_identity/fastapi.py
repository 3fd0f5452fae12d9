"""FastAPI / Starlette integration (extra ``backstage-identity[fastapi]``).

A dependency that authenticates the request's ``Authorization`` header and answers
``401 Unauthorized`` (``403 Forbidden`` for tokens restricted to other plugins) like the seed's
Express middleware, with ``WWW-Authenticate: Bearer`` on 401.

>>> from fastapi import Depends, FastAPI
>>> from backstage_identity import BackstageAuth, Credentials
>>> from backstage_identity.fastapi import require_credentials
>>> auth = BackstageAuth({"pluginId": "catalog"}, base_url="http://backstage:7007/api/{pluginId}")
>>> app = FastAPI()
>>> @app.get("/entities")
... def entities(credentials: Credentials = Depends(require_credentials(auth))) -> dict[str, str]:
...     return {"principal": credentials.principal.type}
"""

from __future__ import annotations

import http
from typing import Callable, Optional

try:
    from starlette.exceptions import HTTPException
    from starlette.requests import HTTPConnection
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "backstage_identity.fastapi needs Starlette (pip install 'backstage-identity[fastapi]')"
    ) from e

from ._native import BackstageIdentityError, Credentials
from .fetcher import BackstageAuth

__all__ = ["require_credentials", "http_exception"]

# The statuses answered to the client; others (500: configuration errors) propagate.
_ANSWERED = (401, 403)


def http_exception(error: BackstageIdentityError) -> HTTPException:
    """The HTTP answer for a refused token: the status the core gives (401 or 403)."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return HTTPException(status_code=error.status, detail=http.HTTPStatus(error.status).phrase, headers=headers)


def require_credentials(
    auth: BackstageAuth, *, allow_limited_access: Optional[bool] = None
) -> Callable[[HTTPConnection], Credentials]:
    """A FastAPI dependency returning the request's :class:`Credentials`.

    Refused tokens raise ``HTTPException(401)`` (``403`` for ``not_allowed`` errors); configuration
    errors (status 500) propagate as they are. The dependency is synchronous, so FastAPI runs it
    in its thread pool: a JWKS fetch never blocks the event loop, and verification releases the
    GIL.
    """

    def dependency(connection: HTTPConnection) -> Credentials:
        try:
            return auth.authenticate_header(
                connection.headers.get("authorization"), allow_limited_access=allow_limited_access
            )
        except BackstageIdentityError as e:
            if e.status not in _ANSWERED:
                raise
            raise http_exception(e) from None

    return dependency
