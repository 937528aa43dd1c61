"""Reports too large to write while the browser waits: written by a worker on the low queue,
with the progress WeasyPrint reports, and downloaded when ready.

The rule of which export goes to a worker is ``export_in_background``: the page, the API and
the templates all ask it. A person has at most POSTMORTEM_EXPORT_MAX_IN_FLIGHT jobs queued or
running; asking again for a report already being written returns that job, so a double click
writes one file. A worker killed mid-report leaves its job "running": the sweep marks it failed
once it has not moved for POSTMORTEM_EXPORT_STALE_SECONDS, and asking again starts a new one.
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.people import User
from config.queue import enqueue
from incidents.models import TimelineEvent

from .models import ExportJob, Postmortem

# Formats written by a worker when the incident is large; Markdown and JSON of 5,000 events take
# half a second, so they are always written while the browser waits.
BACKGROUND_FORMATS = ("pdf",)


def export_in_background(postmortem: Postmortem, chosen: str) -> bool:
    """Whether this export is written by a worker rather than while the request waits."""
    if chosen not in BACKGROUND_FORMATS:
        return False
    events = TimelineEvent.objects.filter(incident_id=postmortem.incident_id).count()
    return events > settings.POSTMORTEM_EXPORT_INLINE_EVENTS


def export_job_start(*, actor: User, postmortem: Postmortem, chosen: str) -> ExportJob:
    """The job writing this report for this person: the one already queued or running, or a
    new one handed to a worker once committed."""
    with transaction.atomic():
        # One person's requests for one report are serialised, so two clicks make one job.
        Postmortem.objects.select_for_update().filter(pk=postmortem.pk).first()
        in_flight = ExportJob.objects.filter(
            requested_by=actor, status__in=ExportJob.IN_FLIGHT
        ).order_by("-created_at")
        same = in_flight.filter(postmortem=postmortem, format=chosen).first()
        if same is not None:
            return same
        if in_flight.count() >= settings.POSTMORTEM_EXPORT_MAX_IN_FLIGHT:
            raise ApplicationError(
                _(
                    "You already have %(count)d reports being written; download one of them "
                    "before asking for another."
                )
                % {"count": settings.POSTMORTEM_EXPORT_MAX_IN_FLIGHT}
            )
        job = ExportJob.objects.create(
            postmortem=postmortem,
            format=chosen,
            requested_by=actor,
            stage=_("Waiting for a worker"),
        )
        job_id = str(job.pk)
        transaction.on_commit(lambda: enqueue("postmortems.tasks.write_export", job_id))
    return job


def export_job_get(*, user: User, job_id: UUID | str) -> ExportJob:
    """The job, if this person asked for it (404 for anyone else, and for unknown ids)."""
    return get_object_or_404(
        ExportJob.objects.select_related("postmortem__incident").defer("content"),
        pk=job_id,
        requested_by=user,
    )


def export_job_file(*, user: User, job_id: UUID | str) -> ExportJob:
    """The job with its file, for the download."""
    job = get_object_or_404(ExportJob, pk=job_id, requested_by=user)
    if job.status != ExportJob.Status.READY:
        raise ApplicationError(_("The report is not ready yet."))
    return job


def export_jobs_sweep(now: Any = None) -> dict[str, int]:
    """Fail the jobs a dead worker left behind and delete the old ones (beat, every few
    minutes)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.POSTMORTEM_EXPORT_STALE_SECONDS)
    failed = ExportJob.objects.filter(status__in=ExportJob.IN_FLIGHT, updated_at__lt=stale).update(
        status=ExportJob.Status.FAILED,
        error=_("The report stopped before it was finished; ask for it again."),
        stage="",
        finished_at=now,
        updated_at=now,
    )
    old = now - timedelta(hours=settings.POSTMORTEM_EXPORT_KEEP_HOURS)
    deleted, _per_model = ExportJob.objects.filter(created_at__lt=old).delete()
    return {"failed": failed, "deleted": deleted}
