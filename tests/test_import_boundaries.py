"""A media process must not load the web stack: one runs per core, and the web
stack costs each of them memory and start time. import-linter cannot see what
a parent package's ``__init__`` pulls in, so this looks at ``sys.modules`` in a
fresh interpreter. The egress (``confera egress``) gets the same test."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WEB_STACK = ("flask", "werkzeug", "sqlalchemy", "psycopg", "marshmallow", "flask_sqlalchemy",
             "alembic", "apispec")


def loaded_after(statement: str) -> list[str]:
    """The web-stack modules loaded by a fresh interpreter running ``statement``."""
    probe = (f"{statement}\nimport json, sys\n"
             f"print(json.dumps(sorted(m for m in sys.modules "
             f"if m.split('.')[0] in {WEB_STACK!r})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("statement", [
    "import app.sfu.server",
    "import app.egress.server, app.egress.web_link, app.storage",
    "import app.protocol, app.protocol.signalling, app.protocol.node_api, "
    "app.protocol.join_token",
    "import app.cli",  # `confera sfu` runs from it
])
def test_media_process_loads_no_web_stack(statement: str) -> None:
    assert loaded_after(statement) == []


def test_the_probe_sees_the_web_stack_when_it_is_loaded() -> None:
    assert "flask" in loaded_after("import app.factory")
