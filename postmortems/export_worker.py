"""The worker's side of a report written in the background (postmortems.tasks.write_export):
the PDF, with the progress WeasyPrint reports written on the job as it goes."""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint.logger import PROGRESS_LOGGER

from incidents.models import TimelineEvent

from .export import export_filename, export_pdf
from .models import ExportJob, Postmortem

logger = logging.getLogger(__name__)


def _stage(step: str, page: int | None) -> str:
    if page is not None:
        return _("Laying out page %(page)d") % {"page": page}
    return {
        "1": _("Reading the report"),
        "2": _("Reading the styles"),
        "3": _("Applying the styles"),
        "4": _("Arranging the content"),
        "5": _("Laying out the pages"),
        "6": _("Writing the PDF"),
        "7": _("Finishing the PDF"),
    }.get(step, _("Writing the PDF"))


# Where each of WeasyPrint's steps puts the bar; laying out the pages fills most of it.
STEP_PERCENT = {"1": 10, "2": 14, "3": 18, "4": 25, "5": 30, "6": 88, "7": 95}
LAYOUT_SHARE = 55


class _Progress(logging.Handler):
    """Turns WeasyPrint's progress messages ("Step 5 - Creating layout - Page 12") into a
    percentage and a stage on the job, written at most every half second."""

    def __init__(self, report: Callable[[int, str], None], expected_pages: int) -> None:
        super().__init__(level=logging.INFO)
        self.report = report
        self.expected_pages = max(expected_pages, 1)
        self.last_written = 0.0
        self.last_step = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("Step "):
            return
        step = message[5:6]
        page = None
        if step == "5" and "Page " in message:
            try:
                page = int(message.rsplit("Page ", 1)[1].split()[0])
            except ValueError:
                page = None
        percent = STEP_PERCENT.get(step, 0)
        if page is not None:
            percent += min(LAYOUT_SHARE * page // self.expected_pages, LAYOUT_SHARE - 2)
        now = time.monotonic()
        if step == self.last_step and now - self.last_written < 0.5:
            return
        self.last_step, self.last_written = step, now
        self.report(percent, _stage(step, page))


@contextmanager
def _weasyprint_progress(handler: logging.Handler) -> Iterator[None]:
    # Settings hold WeasyPrint's loggers at WARNING; its progress is heard only while a job
    # is being written, and only by the job.
    level, propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.propagate = False
    PROGRESS_LOGGER.addHandler(handler)
    try:
        yield
    finally:
        PROGRESS_LOGGER.removeHandler(handler)
        PROGRESS_LOGGER.setLevel(level)
        PROGRESS_LOGGER.propagate = propagate


def _expected_pages(postmortem: Postmortem) -> int:
    # About 35 timeline events a page, plus the cover, the facts, the charts and the sections.
    return TimelineEvent.objects.filter(incident_id=postmortem.incident_id).count() // 35 + 6


def job_progress(job_id: str, percent: int, stage: str) -> None:
    """Show how far the report is: the page and the API read it while the worker writes."""
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        progress=percent, stage=stage[:200], updated_at=timezone.now()
    )


def export_job_write(job_id: str) -> None:
    """Write the job's report (the worker's task). A job already finished is left alone, so a
    redelivered task does nothing twice."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().defer("content").filter(pk=job_id).first()
        if job is None or not job.in_flight:
            return
        if job.attempts >= settings.POSTMORTEM_EXPORT_MAX_ATTEMPTS:
            # Each attempt so far died with its worker (a report too large for its memory).
            job.status = ExportJob.Status.FAILED
            job.error = _("The report could not be written; ask for it again.")
            job.stage = ""
            job.finished_at = job.updated_at = timezone.now()
            job.save(update_fields=["status", "error", "stage", "finished_at", "updated_at"])
            return
        job.status = ExportJob.Status.RUNNING
        job.attempts += 1
        job.progress = 5
        job.stage = _("Gathering the record")
        job.updated_at = timezone.now()
        job.save(update_fields=["status", "attempts", "progress", "stage", "updated_at"])

    postmortem = Postmortem.objects.select_related(
        "incident", "incident__declared_by", "owner", "published_by"
    ).get(pk=job.postmortem_id)
    try:
        handler = _Progress(partial(job_progress, job_id), _expected_pages(postmortem))
        with _weasyprint_progress(handler):
            content = export_pdf(postmortem)
    except Exception:
        logger.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            error=_("The report could not be written; ask for it again."),
            stage="",
            updated_at=timezone.now(),
            finished_at=timezone.now(),
        )
        raise
    now = timezone.now()
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.READY,
        content=content,
        size=len(content),
        filename=export_filename(postmortem, job.format),
        progress=100,
        stage=_("Ready"),
        updated_at=now,
        finished_at=now,
    )
