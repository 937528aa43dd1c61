"""Celery tasks of teams: ids in, one call to a service. Each is safe to run twice, and a lost
one is found by a sweeper: the rows are the truth, never the queue."""

from celery import shared_task

from . import deliveries
from .schedule import engine
from .stakeholders.services import staff_briefing_fan_out, staff_briefings_sweep

# --- notifications by email and chat --------------------------------------------------------


@shared_task(name="teams.tasks.deliver", acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    """One attempt at an email or chat delivery (teams.deliveries); a failure that may pass
    queues the next attempt itself."""
    return deliveries.deliver(delivery_id)


@shared_task(name="teams.tasks.sweep_deliveries", acks_late=True, ignore_result=True)
def sweep_deliveries() -> int:
    """Queue again the deliveries whose task was lost (beat, every 15 s)."""
    return deliveries.deliveries_sweep()


@shared_task(name="teams.tasks.brief_staff", acks_late=True, ignore_result=True)
def brief_staff(briefing_id: int, after: int = 0) -> int:
    """Notify the next chunk of a staff briefing's people, those after the person ``after``."""
    return staff_briefing_fan_out(briefing_id=briefing_id, after=after)


@shared_task(name="teams.tasks.sweep_briefings", acks_late=True, ignore_result=True)
def sweep_briefings() -> int:
    """Queue again the next chunk of the staff briefings whose task was lost (beat, 15 s)."""
    return staff_briefings_sweep()


# --- the response schedule ----------------------------------------------------------------


@shared_task(name="teams.tasks.deadline_step", acks_late=True, ignore_result=True)
def deadline_step(deadline_id: int, task_id: str) -> bool:
    """Fire a deadline's next step if this task is still the one it expects (see
    teams.schedule.engine). Nothing to retry: a lost step is re-driven by the sweeper."""
    return engine.deadline_step_run(deadline_id, task_id)


@shared_task(name="teams.tasks.sweep_deadlines", acks_late=True, ignore_result=True)
def sweep_deadlines() -> int:
    """Re-drive steps overdue by more than a minute (beat, about every 30 s)."""
    return engine.deadlines_sweep().redriven
