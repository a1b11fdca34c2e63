"""The web application: ``create_app(settings)`` builds it."""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask
from flask_swagger_ui import get_swaggerui_blueprint

from app.config import Settings
from app.core.db import configure_sqlite, ping_idle_connections
from app.core.error_rendering import register_fallback_renderer
from app.core.identity_cache import init_identity_cache
from app.core.proxies import TrustedProxies
from app.core.rate_limit_storage import storage_uri
from app.core.security_headers import add_security_headers
from app.extensions import SETTINGS_KEY, db, limiter
from app.web.sessions import CookieSessions

ROOT = Path(__file__).resolve().parent.parent  # the repository: templates/, static/
# Every module that registers job handlers: the worker runs what these define.
# (tests/jobs/test_registry.py checks that each tasks.py is listed.)
TASK_MODULES = ("app.modules.conferences.tasks", "app.modules.mail.tasks",
                "app.modules.meetings.tasks", "app.modules.outputs.tasks",
                "app.modules.recordings.tasks", "app.modules.webhooks.tasks")


def _engine_options(settings: Settings) -> dict[str, object]:
    """The pool's size on PostgreSQL; SQLite keeps SQLAlchemy's own pooling."""
    if not settings.sqlalchemy_url.startswith("postgresql"):
        return {}
    return {"pool_size": settings.database_pool_size,
            "max_overflow": settings.database_max_overflow}


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=settings.instance_path)
    app.config.update(
        **{SETTINGS_KEY: settings},
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=settings.api_max_body_bytes,
        # Shared by every process (Redis, else the database) unless there is
        # only one; fixed windows, the one strategy every storage has
        # atomically (a window starts at its first hit, not on the clock).
        RATELIMIT_STORAGE_URI=storage_uri(settings),
        RATELIMIT_STRATEGY="fixed-window",
        # Its headers would go on every answer of a limited route, and set a
        # 429's Retry-After from its own window over a backoff's; the error
        # renderer gives each 429 the Retry-After of the limit it hit.
        RATELIMIT_HEADERS_ENABLED=False,
    )
    if settings.trusted_proxies:
        app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxies)  # type: ignore[method-assign]
    app.session_interface = CookieSessions()
    app.after_request(add_security_headers)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # documents keep their fields' order
    _init_extensions(app)
    _register_blueprints(app)
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
    from app.api.bbb import bp as bbb_bp
    from app.api.enterprise import bp as enterprise_bp
    from app.api.meeting import bp as meeting_bp
    from app.api.nodes import bp as nodes_bp
    from app.api.oauth import bp as oauth_bp
    from app.api.ops import bp as ops_bp
    from app.api.rooms import bp as rooms_bp
    from app.web import bp as web_bp
    from app.web import render_error_page
    from app.web.tenant import brand_context

    # First: its hooks stamp and time every request, before any other's run.
    app.register_blueprint(ops_bp)
    app.register_blueprint(bbb_bp)
    app.register_blueprint(enterprise_bp)
    app.register_blueprint(meeting_bp)
    app.register_blueprint(nodes_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(rooms_bp)
    for name, prefix in (("enterprise_api", "/enterprise_api"), ("meeting_api", "/api/v1")):
        app.register_blueprint(get_swaggerui_blueprint(
            f"{prefix}/docs", f"{prefix}/openapi.json",
            config={"app_name": name}, blueprint_name=f"{name}_docs",
        ))
    app.register_blueprint(web_bp)
    app.context_processor(brand_context)
    # Requests under no dialect's prefix that match no route: a page.
    register_fallback_renderer(app, render_error_page)


def _register_job_handlers() -> None:
    # Importing a module's tasks registers its job handlers with app.jobs.
    for name in TASK_MODULES:
        importlib.import_module(name)
