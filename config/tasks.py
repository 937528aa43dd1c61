"""Tasks that keep the platform itself observable."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker-heartbeat:{queue}"


@shared_task(name="config.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat(queue: str) -> None:
    """Beat sends one to every queue; /readyz reads how long ago each was consumed."""
    cache.set(HEARTBEAT_KEY.format(queue=queue), timezone.now().timestamp(), timeout=3600)
