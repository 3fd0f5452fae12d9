"""The README's FastAPI example: a route that only Backstage-authenticated callers reach.

Run: uvicorn examples.fastapi_app:app (with BACKSTAGE_BASE_URL pointing at the Backstage backend).
"""

import os

from fastapi import Depends, FastAPI

from backstage_identity import BackstageAuth, Credentials
from backstage_identity.fastapi import require_credentials

auth = BackstageAuth(
    {"pluginId": "catalog"}, base_url=os.environ.get("BACKSTAGE_BASE_URL", "http://localhost:7007") + "/api/{pluginId}"
)
app = FastAPI()


@app.get("/whoami")
def whoami(credentials: Credentials = Depends(require_credentials(auth))) -> dict[str, object]:
    return {"principal": credentials.principal.to_dict(), "kind": credentials.kind}
