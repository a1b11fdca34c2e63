"""Durable jobs: a table, a registry of handlers by kind, and the worker loop.

Modules register handlers in their ``tasks.py`` and enqueue with
``enqueue(kind, payload)`` inside the transaction of the change that caused the
job, so a job exists exactly when its cause was committed.
"""

from app.jobs.queue import enqueue
from app.jobs.registry import batch_job_handler, handler_for, job_handler

__all__ = ["batch_job_handler", "enqueue", "handler_for", "job_handler"]
