"""The postmortem as a file, from the page: /incidents/<reference>/postmortem/export/?format=
pdf|md|json, and the reports written by a worker under /postmortems/exports/<id>/.

Everyone who is logged in may read a postmortem, so everyone may export it (the site's
middleware asks for the login). No format means the PDF; an unknown one is a 400 that names
the formats. A PDF too large to write while the browser waits (``export_in_background``) is
handed to a worker: the page follows its progress and offers the download when it is ready.
The API answers the same from the same functions (``file_response``, ``job_file_response``).
"""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.errors import ApplicationError
from config.http import HttpRequest
from config.people import person_require_signed_in

from . import selectors
from .export import FORMATS, export_filename, export_json, export_markdown, export_pdf
from .export_jobs import (
    export_in_background,
    export_job_file,
    export_job_get,
    export_job_start,
)
from .models import ExportJob, Postmortem


def _attachment(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A crisis's record: not for shared caches, and not kept in the browser's either.
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(postmortem: Postmortem, chosen: str) -> HttpResponse:
    """The report written now, as a download."""
    body: bytes | str
    if chosen == "pdf":
        body = export_pdf(postmortem)
    elif chosen == "md":
        body = export_markdown(postmortem)
    else:
        body = json.dumps(
            export_json(postmortem), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
        )
    content_type, extension = FORMATS[chosen]
    return _attachment(body, content_type, export_filename(postmortem, extension))


def job_file_response(job: ExportJob) -> HttpResponse:
    """The report a worker wrote, as a download."""
    return _attachment(bytes(job.content or b""), FORMATS[job.format][0], job.filename)


@require_GET
def export(request: HttpRequest, reference: str) -> HttpResponse:
    chosen = request.GET.get("format", "pdf")
    if chosen not in FORMATS:
        return HttpResponseBadRequest(
            _("Choose the format: pdf, md or json."), content_type="text/plain; charset=utf-8"
        )
    postmortem = selectors.postmortem_get(user=request.user, reference=reference)
    if not export_in_background(postmortem, chosen):
        return file_response(postmortem, chosen)
    try:
        job = export_job_start(
            actor=person_require_signed_in(request.user), postmortem=postmortem, chosen=chosen
        )
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("postmortems:detail", reference)
    return redirect(job)


@require_GET
def export_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """The report being written: its progress (htmx asks every second while it is in flight),
    then the download, or what went wrong."""
    job = export_job_get(user=person_require_signed_in(request.user), job_id=job_id)
    template = "postmortems/_export_job.html" if request.htmx else "postmortems/export_job.html"
    return render(request, template, {"job": job, "incident": job.postmortem.incident})


@require_GET
def export_job_download(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        job = export_job_file(user=person_require_signed_in(request.user), job_id=job_id)
    except ApplicationError as refused:
        messages.info(request, refused.message)
        return redirect("postmortems:export-job", job_id)
    return job_file_response(job)
