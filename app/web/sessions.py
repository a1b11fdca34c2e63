"""Flask's signed-cookie sessions, with their serializer built only for
requests that bring the cookie."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """A request without the session cookie (every API call) gets a new, empty
    session, as with Flask's own interface, but without the signing serializer
    that Flask builds for every request: that costs more than the rest of
    opening and saving an empty session together."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
