"""The baseline for ``bench/api.py``: a bare Flask app with one POST route.

It reads the JSON body and answers a small JSON document, like an
enterprise_api call does, but touches no database, tenant or token. Served by
the same gunicorn set-up as the real app (``gunicorn_args`` in app/cli.py).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

app = Flask(__name__)


@app.post("/bare")
def bare() -> dict[str, Any]:
    body = request.get_json(silent=True) or {}
    return {"id": body.get("host_id"), "ok": True}
