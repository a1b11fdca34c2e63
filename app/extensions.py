"""Flask extensions, created once and bound in ``create_app``, and the typed
accessor for the settings of the app in context."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy

from app.config import Settings
from app.core.db import Model

db = SQLAlchemy(model_class=Model)

# Limits are opt-in per route (authenticate, password pages); storage is chosen
# from the settings in create_app (app/core/rate_limit_storage.py). The key is
# the client's address (behind TRUSTED_PROXIES, what they report).
limiter = Limiter(key_func=get_remote_address, default_limits=[])

SETTINGS_KEY = "SETTINGS"


def settings() -> Settings:
    """The settings of the app in context (``create_app`` put them there)."""
    loaded: Settings = current_app.config[SETTINGS_KEY]
    return loaded
