"""authlib's authorization server over the oauth domain package: client
credentials grant only, clients authenticated by HTTP Basic or by form
fields, bearer tokens that the enterprise_api tells from auth_tokens by
their prefix."""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import Request
from flask import request as flask_request

from app.api.parsing import request_tenant
from app.core.inputs import host_name_of
from app.environment import is_local_name
from app.errors import BadRequest, Unauthorized
from app.extensions import settings
from app.modules.oauth import operations as oauth
from app.modules.oauth.models import SCOPES, OAuthClient

AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class Client(ClientMixin):
    """What authlib asks of a client, answered by the domain's row."""

    def __init__(self, row: OAuthClient):
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # no redirects: client credentials only

    def get_allowed_scope(self, scope: str | None) -> str | None:
        return oauth.allowed_scope(self.row, scope)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return oauth.secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)


class _PublicRequest(FlaskOAuth2Request):
    """The request with the URL its client used. authlib refuses plain http
    by the URL; behind the TLS proxy the web only ever sees http, so the
    scheme is PUBLIC_SCHEME's, and http is accepted outside production on
    loopback, *.localhost and *.test names (``make run``)."""

    def __init__(self, request: Request, uri: str):
        OAuth2Request.__init__(self, method=request.method, uri=uri, headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class TokenServer(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(query_client=self._query_client, save_token=self._save_token)
        self.scopes_supported = SCOPES
        self.register_grant(ClientCredentials)
        self.register_token_generator("default", BearerTokenGenerator(
            lambda **_: oauth.new_access_token(),
            expires_generator=lambda client, grant_type: oauth.token_seconds()))

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        host = host_name_of(flask_request.host)
        config = settings()
        local = config.env != "production" and is_local_name(host)
        if config.public_scheme != "https" and not local:
            raise BadRequest("OAuth 2 needs https (PUBLIC_SCHEME=https)")
        return _PublicRequest(flask_request, f"https://{host}{flask_request.path}")

    def authenticate_client(self, request: OAuth2Request, methods: list[str],
                            endpoint: str = "token") -> Client:
        # Every way a client fails to prove itself is one 401 (authlib answers
        # 400 for an unknown client_id sent in the form), raised as a domain
        # error so the failure limit counts it (app/api/oauth/views.py).
        try:
            client: Client = super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            raise Unauthorized("Unknown client, or wrong client secret") from error
        return client

    @staticmethod
    def _query_client(client_id: str) -> Client | None:
        row = oauth.client_of(request_tenant(), client_id)
        return Client(row) if row is not None else None

    @staticmethod
    def _save_token(token: dict[str, Any], request: OAuth2Request) -> None:
        client: Client = request.client
        oauth.save_token(client.row, token["access_token"], token["scope"],
                         token["expires_in"])


server = TokenServer()
