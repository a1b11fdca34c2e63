"""The baselines for ``bench/api.py``: a bare Flask app with two POST routes.

``/bare`` reads the JSON body and answers a small JSON document, like an
enterprise_api call does, but touches no database, tenant or token.
``/bare/select`` does the same plus the least any database-backed answer
does: one SELECT of the host row by id through SQLAlchemy Core, in a
transaction, on the same database and driver as the app (no ORM, no tenant,
no token, no schema). Served by the same gunicorn set-up as the real app
(``gunicorn_args`` in app/cli.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, request

from app.config import Settings

app = Flask(__name__)
engine = sa.create_engine(Settings.from_env().sqlalchemy_url)
hosts = sa.table("hosts", sa.column("id"), sa.column("name"), sa.column("email"))
host_by_id = sa.select(hosts).where(hosts.c.id == sa.bindparam("id"))


@app.post("/bare")
def bare() -> dict[str, Any]:
    body = request.get_json(silent=True) or {}
    return {"id": body.get("host_id"), "ok": True}


@app.post("/bare/select")
def bare_select() -> dict[str, Any]:
    body = request.get_json(silent=True) or {}
    with engine.begin() as conn:
        row = conn.execute(host_by_id, {"id": body.get("host_id")}).one_or_none()
    return {"id": row.id, "name": row.name, "email": row.email} if row else {"id": None}
