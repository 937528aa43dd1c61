"""Queue a Celery task by its name.

The code that queues a task is usually what the task runs too (publishing re-schedules itself;
a briefing queues its own delivery), so importing the task's module would import the caller
back in a circle. A name needs no import; config/celery_app.py routes each name to its queue.
"""

from functools import cache
from typing import Any

from config.celery_app import app


@cache
def _tasks_known() -> None:
    """Register every app's tasks in this process, as a worker does when it starts: with eager
    Celery (the tests, CELERY_TASK_ALWAYS_EAGER) a queued task runs here and now, and a web
    process otherwise knows a task only once its module happens to be imported."""
    app.autodiscover_tasks(force=True)


def enqueue(name: str, *args: Any, **options: Any) -> None:
    """Queue the task ``name`` with ``args``; ``options`` as for apply_async (eta, countdown,
    expires…)."""
    _tasks_known()
    app.signature(name, args=args).apply_async(**options)
