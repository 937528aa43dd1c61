"""Celery is configured the way paging needs: every task on a named queue, late acks, JSON."""

from config.celery_app import QUEUES, app


def project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_every_task_is_routed_to_a_named_queue():
    routes = app.conf.task_routes
    assert project_tasks(), "no project task found"
    for name in project_tasks():
        assert name in routes, f"{name} has no route in config/celery_app.py"
        assert routes[name]["queue"] in QUEUES


def test_beat_sends_only_to_known_queues_and_tasks():
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in project_tasks()
        queue = (
            entry.get("options", {}).get("queue") or app.conf.task_routes[entry["task"]]["queue"]
        )
        assert queue in QUEUES


def test_delivery_guarantees():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
