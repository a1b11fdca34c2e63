"""Job handlers come from the explicit list in app/factory.py: a tasks.py
that nobody lists would be silently ignored by every worker."""

from __future__ import annotations

from pathlib import Path

from app.factory import TASK_MODULES
from app.jobs.registry import known_kinds

MODULES = Path(__file__).resolve().parents[2] / "app" / "modules"


def test_every_tasks_module_is_listed():
    found = {f"app.modules.{path.parent.name}.tasks" for path in MODULES.glob("*/tasks.py")}
    assert found == set(TASK_MODULES)


def test_the_listed_modules_register_their_handlers(app):
    assert "mail.send" in known_kinds()
