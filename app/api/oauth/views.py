"""POST /oauth/token on a company's host name."""

from __future__ import annotations

from flask import Response

from app.api.oauth import bp
from app.api.oauth.server import server
from app.api.parsing import request_tenant
from app.core.rate_limits import FailureLimit, client_address
from app.errors import Unauthorized
from app.extensions import db

# Client secrets are 256 random bits, beyond guessing; this keeps anyone from
# making the web hash secrets (and query clients) for them at will.
CLIENT_FAILURES = FailureLimit("failed OAuth client authentications", "ratelimit_oauth_client",
                               counts=lambda error: isinstance(error, Unauthorized))


@bp.post("/token")
def token() -> Response:
    """A bearer token for the enterprise_api (client credentials grant)."""
    request_tenant()  # 404 where no company is reached
    with CLIENT_FAILURES.guard(client_address()):
        response: Response = server.create_token_response()
    if response.status_code == 200:
        db.session.commit()
    return response
