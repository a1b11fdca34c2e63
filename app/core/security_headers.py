"""Headers every answer carries, and the Content-Security-Policy of pages.

- ``X-Content-Type-Options: nosniff``: a browser takes a JSON answer or an
  uploaded file for what its Content-Type says, never for a script or page.
- ``Referrer-Policy: no-referrer``: the address of a meeting room (its
  access code, its URL parameters) is not told to the sites a page links to
  or loads from (a logo, the after-call page).
- ``Strict-Transport-Security`` when the platform is served over https
  (PUBLIC_SCHEME): once there, a browser never again speaks plain http to
  that host name.
- Pages run only scripts served by the platform itself (``PAGE_POLICY``);
  who may frame a page is each page's own choice (``frame-ancestors``).
"""

from __future__ import annotations

from flask import Response

from app.extensions import settings

PAGE_POLICY = "script-src 'self'; object-src 'none'; base-uri 'none'"
HSTS = "max-age=31536000"  # a year; no includeSubDomains: a company's names are not ours


def page_policy(frame_ancestors: str) -> str:
    """A page's Content-Security-Policy: our scripts only, and framed only by
    ``frame-ancestors`` (source expressions: ``'self'``, ``'none'``, origins)."""
    return f"{PAGE_POLICY}; frame-ancestors {frame_ancestors}"


def add_security_headers(response: Response) -> Response:
    """Every answer's headers (an ``after_request`` hook of the app)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if settings().public_scheme == "https":
        response.headers["Strict-Transport-Security"] = HSTS
    return response
