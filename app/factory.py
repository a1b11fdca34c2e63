"""The web application: ``create_app(settings)`` builds it."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, render_template, request
from flask_swagger_ui import get_swaggerui_blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.config import Settings
from app.core.db import configure_sqlite, ping_idle_connections
from app.core.identity_cache import init_identity_cache
from app.errors import AppError, Conflict, PayloadTooLarge, RateLimited
from app.extensions import db, limiter
from app.web.sessions import CookieSessions

log = logging.getLogger(__name__)
# Paths whose errors are JSON {"message": ...}; every other path gets an HTML page.
JSON_PATHS = ("/enterprise_api/", "/api/", "/internal/")
ROOT = Path(__file__).resolve().parent.parent  # the repository: templates/, static/


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=settings.instance_path)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        MAX_CONTENT_LENGTH=settings.api_max_body_bytes,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        # A sliding window: no double burst across a window's edge (and tests
        # that straddle a minute boundary count the same).
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.session_interface = CookieSessions()
    app.json.sort_keys = False  # type: ignore[attr-defined]  # documents keep their fields' order
    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_job_handlers()
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    limiter.init_app(app)
    # Every limit sits on a route, whose decorator checks it; the hook that
    # init_app adds serves app-wide default limits, which we have none of, and
    # would cost every request.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        ping_idle_connections(db.engine)
        init_identity_cache(app, db.engine)


def _register_blueprints(app: Flask) -> None:
    from app.api.enterprise import bp as enterprise_bp
    from app.api.meeting import bp as meeting_bp
    from app.api.nodes import bp as nodes_bp
    from app.web import bp as web_bp
    from app.web.tenant import brand_context

    app.register_blueprint(enterprise_bp)
    app.register_blueprint(meeting_bp)
    app.register_blueprint(nodes_bp)
    app.register_blueprint(get_swaggerui_blueprint(
        "/enterprise_api/docs", "/enterprise_api/openapi.json",
        config={"app_name": "enterprise_api"}, blueprint_name="enterprise_api_docs",
    ))
    app.register_blueprint(web_bp)
    app.context_processor(brand_context)


def _register_job_handlers() -> None:
    # Importing a module's tasks registers its job handlers with app.jobs.
    from app.modules.mail import tasks  # noqa: F401


def _register_error_handlers(app: Flask) -> None:
    """Each dialect renders errors its own way; the request path picks the dialect."""
    from app.api.enterprise.errors import render_error as render_enterprise

    def render(error: AppError) -> Response | tuple[str, int]:
        db.session.rollback()
        if request.path.startswith(JSON_PATHS):
            return render_enterprise(error)
        return render_template("web/error.html", message=error.message), error.status

    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> Response | tuple[str, int]:
        return render(error)

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError) -> Response | tuple[str, int]:
        # A uniqueness race the operation's own check could not see.
        log.info("integrity error: %s", error.orig)
        return render(Conflict("This conflicts with an existing record"))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | tuple[str, int]:
        if error.code == 413:
            return render(PayloadTooLarge())
        if error.code == 429:
            return render(RateLimited(f"Too many requests: at most {error.description}"))
        wrapped = AppError(error.name)
        wrapped.status = error.code or 500
        return render(wrapped)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render(AppError())
