"""Flask extensions, created once and bound in ``create_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy

from app.core.db import Model

db = SQLAlchemy(model_class=Model)

# Limits are opt-in per route (authenticate, password pages); storage is chosen
# from the settings in create_app (memory, or Redis when REDIS_URL is set).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
