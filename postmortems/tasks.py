"""The postmortems' background work: writing large reports, and sweeping the old ones."""

from typing import Any

from celery import shared_task

from .export_jobs import export_jobs_sweep
from .export_worker import export_job_write


# A report of 5,000 timeline events takes about 20 s on a quiet machine; the limits leave room
# for a busy one. A worker killed mid-report hands the task back (late acks): the job is written
# again, at most POSTMORTEM_EXPORT_MAX_ATTEMPTS times.
@shared_task(soft_time_limit=300, time_limit=330, acks_late=True)
def write_export(job_id: str) -> None:
    export_job_write(job_id)


@shared_task
def sweep_exports() -> dict[str, Any]:
    return export_jobs_sweep()
