"""The Celery application: explicit queues, late acks, JSON only, bounded run time."""

import os

from celery import Celery
from kombu import Exchange, Queue

# Production unless told otherwise, as manage.py: a worker or beat started on a server never
# runs on the laptop's settings (debug, mail printed to the log); Procfile.dev chooses local.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("crisis_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("critical", "default", "low")

app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_soft_time_limit=60,
    task_time_limit=90,
    task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
    task_default_queue="default",
    # Every task names its queue here; tests/test_celery.py fails on a task that does not.
    task_routes={
        "config.tasks.worker_heartbeat": {"queue": "default"},
        "teams.tasks.deliver": {"queue": "default"},
        # An approved staff briefing going out is publishing: its chunks (a second or two each)
        # must not wait behind the thousands of emails the chunks before them queued.
        "teams.tasks.brief_staff": {"queue": "critical"},
        # The sweepers of what the default queue may have lost must not wait behind it.
        "teams.tasks.sweep_deliveries": {"queue": "critical"},
        "teams.tasks.sweep_briefings": {"queue": "critical"},
        # Escalations are as urgent as publishing; the sweeper must not wait behind a backlog.
        "teams.tasks.deadline_step": {"queue": "critical"},
        "teams.tasks.sweep_deadlines": {"queue": "critical"},
        "communications.tasks.publish_message": {"queue": "critical"},
        # The sweeper and the reconciliations it starts settle what the publishing queue lost
        # (a dead worker's attempts): they must not wait behind that queue's backlog.
        "communications.tasks.reconcile_publication": {"queue": "default"},
        "communications.tasks.sweep_publishing": {"queue": "default"},
        # The statement page's emails to its subscribers: thousands at once in a crisis, so
        # behind the team's own notifications; their sweeper must not wait behind them.
        "communications.tasks.deliver_to_subscriber": {"queue": "low"},
        "communications.tasks.sweep_subscriber_emails": {"queue": "default"},
        "communications.tasks.forget_unconfirmed_subscribers": {"queue": "low"},
        "communications.tasks.poll_mentions": {"queue": "low"},
        "communications.tasks.poll_account": {"queue": "low"},
        # A spike is news for the on-call communications lead: not behind the polls.
        "communications.tasks.evaluate_listening": {"queue": "default"},
        # A drill's posts arrive at their moment: the team is being timed.
        "drills.tasks.drill_play": {"queue": "default"},
        "drills.tasks.drills_play": {"queue": "default"},
        "communications.tasks.remind_credentials_rotation": {"queue": "low"},
        "postmortems.tasks.write_export": {"queue": "low"},
        "postmortems.tasks.sweep_exports": {"queue": "low"},
    },
    beat_schedule={
        f"heartbeat-{queue}": {
            "task": "config.tasks.worker_heartbeat",
            "schedule": 15.0,
            "args": [queue],
            "options": {"queue": queue, "expires": 30},
        }
        for queue in QUEUES
    }
    | {
        "poll-mentions": {
            "task": "communications.tasks.poll_mentions",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # A playing drill's posts arrive within seconds of their moment in the scenario.
        "play-drills": {
            "task": "drills.tasks.drills_play",
            "schedule": 5.0,
            "options": {"expires": 4},
        },
        "evaluate-listening": {
            "task": "communications.tasks.evaluate_listening",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Lost publishing tasks and dead workers' attempts are found within seconds.
        "sweep-publishing": {
            "task": "communications.tasks.sweep_publishing",
            "schedule": 5.0,
            "options": {"expires": 4},
        },
        # Lost emails, chat messages and briefing chunks (a broker blip, a dead worker).
        "sweep-deliveries": {
            "task": "teams.tasks.sweep_deliveries",
            "schedule": 15.0,
            "options": {"expires": 14},
        },
        "sweep-subscriber-emails": {
            "task": "communications.tasks.sweep_subscriber_emails",
            "schedule": 15.0,
            "options": {"expires": 14},
        },
        # Addresses never confirmed are deleted (personal data kept no longer than asked).
        "forget-unconfirmed-subscribers": {
            "task": "communications.tasks.forget_unconfirmed_subscribers",
            "schedule": 3600.0,
            "options": {"expires": 1800},
        },
        "sweep-briefings": {
            "task": "teams.tasks.sweep_briefings",
            "schedule": 15.0,
            "options": {"expires": 14},
        },
        # Lost escalation steps (a dead worker, a broker restart) are re-driven within a sweep.
        "sweep-deadlines": {
            "task": "teams.tasks.sweep_deadlines",
            "schedule": 30.0,
            "options": {"expires": 25},
        },
        "sweep-exports": {
            "task": "postmortems.tasks.sweep_exports",
            "schedule": 5 * 60.0,
            "options": {"expires": 4 * 60},
        },
        "remind-credentials-rotation": {
            "task": "communications.tasks.remind_credentials_rotation",
            "schedule": 24 * 60 * 60.0,
        },
    },
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    imports=["config.tasks"],
)
app.autodiscover_tasks()
