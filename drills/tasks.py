"""Celery tasks of the drills: a drill's posts arrive as they come due."""

from celery import shared_task

from . import services


@shared_task(name="drills.tasks.drill_play", acks_late=True)
def drill_play(run_id: int) -> float | None:
    """Store a drill's posts that have come due (once each, however often it runs)."""
    return services.drill_advance(run_id)


@shared_task(name="drills.tasks.drills_play", acks_late=True)
def drills_play() -> int:
    """Every few seconds: play each drill that is playing (its posts arrive as from a poll)."""
    return services.drills_advance()
