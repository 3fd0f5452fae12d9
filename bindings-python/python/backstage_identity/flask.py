"""Flask (WSGI) integration (extra ``backstage-identity[flask]``).

A view decorator that authenticates the request's ``Authorization`` header, stores the
:class:`Credentials` in ``flask.g.backstage_credentials`` and answers ``401 Unauthorized``
(``403 Forbidden`` for tokens restricted to other plugins) like the seed's Express middleware.

>>> from flask import Flask
>>> from backstage_identity import BackstageAuth
>>> from backstage_identity.flask import current_credentials, require_credentials
>>> auth = BackstageAuth({"pluginId": "catalog"}, base_url="http://backstage:7007/api/{pluginId}")
>>> app = Flask(__name__)
>>> @app.get("/entities")
... @require_credentials(auth)
... def entities() -> dict[str, str]:
...     return {"principal": current_credentials().principal.type}
"""

from __future__ import annotations

import functools
import http
from typing import Any, Callable, Optional, TypeVar, cast

try:
    import flask
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("backstage_identity.flask needs Flask (pip install 'backstage-identity[flask]')") from e

from ._native import BackstageIdentityError, Credentials
from .fetcher import BackstageAuth

__all__ = ["current_credentials", "require_credentials"]

F = TypeVar("F", bound=Callable[..., Any])

# The statuses answered to the client; others (500: configuration errors) propagate.
_ANSWERED = (401, 403)


def require_credentials(auth: BackstageAuth, *, allow_limited_access: Optional[bool] = None) -> Callable[[F], F]:
    """Decorates a view so that it runs only for authenticated requests.

    Refused tokens get a plain-text ``401 Unauthorized`` (with ``WWW-Authenticate: Bearer``) or
    ``403 Forbidden``; configuration errors (status 500) propagate.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                credentials = auth.authenticate_header(
                    flask.request.headers.get("Authorization"), allow_limited_access=allow_limited_access
                )
            except BackstageIdentityError as e:
                if e.status not in _ANSWERED:
                    raise
                headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else {}
                flask.abort(flask.Response(http.HTTPStatus(e.status).phrase, e.status, headers, mimetype="text/plain"))
            flask.g.backstage_credentials = credentials
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def current_credentials() -> Credentials:
    """The credentials :func:`require_credentials` stored for the current request."""
    credentials = flask.g.get("backstage_credentials")
    if not isinstance(credentials, Credentials):
        raise RuntimeError("the view is not decorated with backstage_identity.flask.require_credentials")
    return credentials
