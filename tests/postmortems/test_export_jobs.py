"""Reports too long to write while the browser waits: which go to a worker, one job per
request however often it is asked for, the progress a reader sees, the download, and what a
dead worker or an old file leaves behind."""

import io
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from config.errors import ApplicationError
from incidents.models import Status, TimelineEvent
from incidents.services import timeline_event_record
from postmortems import export_jobs, export_worker, flows
from postmortems.models import ExportJob, Postmortem
from teams import flows as team_flows
from tests.teams import factories as people

pytestmark = pytest.mark.django_db

# A record with more events than this is "long" in these tests (every resolved incident has
# more); production's threshold is 1,000.
LONG = override_settings(POSTMORTEM_EXPORT_INLINE_EVENTS=2)


def export_url(postmortem, chosen: str = "pdf") -> str:
    url = reverse("postmortems:export", kwargs={"reference": postmortem.incident.reference})
    return f"{url}?format={chosen}"


def api_export_url(postmortem, chosen: str = "pdf") -> str:
    return reverse("postmortem-export", kwargs={"pk": postmortem.pk}) + f"?format={chosen}"


# --- the rule ---------------------------------------------------------------------------------


def test_only_the_pdf_of_a_long_record_goes_to_a_worker(postmortem, settings):
    events = TimelineEvent.objects.filter(incident=postmortem.incident).count()
    settings.POSTMORTEM_EXPORT_INLINE_EVENTS = events
    assert not export_jobs.export_in_background(postmortem, "pdf")
    timeline_event_record(
        incident=postmortem.incident, actor=None, kind=TimelineEvent.Kind.NOTE, text="One more"
    )
    assert export_jobs.export_in_background(postmortem, "pdf")
    assert not export_jobs.export_in_background(postmortem, "md")
    assert not export_jobs.export_in_background(postmortem, "json")


# --- the page ---------------------------------------------------------------------------------


@LONG
def test_the_page_hands_a_long_pdf_to_a_worker_and_offers_the_download(
    client, reader, postmortem, django_capture_on_commit_callbacks
):
    client.force_login(reader)
    detail = client.get(reverse("postmortems:detail", args=[postmortem.incident.reference]))
    assert b'data-testid="pdf-in-background"' in detail.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url(postmortem))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.requested_by == reader
    # Celery runs eagerly in the tests: the worker has written it once the request committed.
    assert job.status == ExportJob.Status.READY
    assert job.progress == 100
    assert job.attempts == 1

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    download_url = reverse("postmortems:export-job-download", args=[job.pk])
    assert download_url.encode() in page.content
    assert b"hx-trigger" not in page.content  # nothing left to poll

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    reference = postmortem.incident.reference
    assert download["Content-Disposition"] == f'attachment; filename="{reference}-postmortem.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.content)).pages)
    assert reference in text
    assert "Train the desk on verification" in text


@LONG
def test_a_job_in_flight_shows_its_progress_and_polls(client, reader, postmortem):
    client.force_login(reader)
    # Not committed through a request: no worker has run it yet.
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, progress=42, stage="Laying out page 7"
    )
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    body = page.content.decode()
    assert 'value="42"' in body
    assert "Laying out page 7" in body
    assert 'hx-trigger="every 1s"' in body
    assert "<html" not in body  # htmx gets the card only
    early = client.get(reverse("postmortems:export-job-download", args=[job.pk]))
    assert early.status_code == 302
    assert early["Location"] == job.get_absolute_url()


def another_postmortem(actor) -> Postmortem:
    incident = team_flows.incident_declare(actor=actor, title="Another crisis", severity=3)
    flows.incident_transition(actor=actor, incident=incident, to=Status.RESPONDING)
    flows.incident_transition(actor=actor, incident=incident, to=Status.RESOLVED)
    return Postmortem.objects.get(incident=incident)


@LONG
def test_asking_twice_makes_one_job_and_a_fourth_report_waits(client, reader, manager, postmortem):
    first = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    again = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    assert again.pk == first.pk
    # Someone else asking gets their own.
    theirs = export_jobs.export_job_start(actor=manager, postmortem=postmortem, chosen="pdf")
    assert theirs.pk != first.pk
    # The limit counts the person's reports of every postmortem.
    others = [another_postmortem(manager) for _ in range(3)]
    for other in others[:2]:
        export_jobs.export_job_start(actor=reader, postmortem=other, chosen="pdf")
    with pytest.raises(ApplicationError, match="already have 3 reports"):
        export_jobs.export_job_start(actor=reader, postmortem=others[2], chosen="pdf")
    client.force_login(reader)
    refused = client.get(export_url(others[2]), follow=True)
    assert "already have 3 reports" in refused.content.decode()
    # Once one is finished, the next may start.
    ExportJob.objects.filter(pk=first.pk).update(status=ExportJob.Status.FAILED)
    assert export_jobs.export_job_start(actor=reader, postmortem=others[2], chosen="pdf")


@LONG
def test_only_the_person_who_asked_sees_the_job_or_its_file(client, reader, manager, postmortem):
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    export_worker.export_job_write(str(job.pk))
    client.force_login(manager)
    assert client.get(job.get_absolute_url()).status_code == 404
    download = reverse("postmortems:export-job-download", args=[job.pk])
    assert client.get(download).status_code == 404
    api = client.get(reverse("postmortem-export-detail", kwargs={"pk": job.pk}))
    assert api.status_code == 404
    for hostile in ("not-a-uuid", "../../etc", "0" * 36):
        assert client.get(f"/api/v1/postmortem-exports/{hostile}/").status_code == 404
    assert client.get("/postmortems/exports/not-a-uuid/").status_code == 404


# --- the worker -------------------------------------------------------------------------------


@LONG
def test_the_worker_reports_each_step_and_a_redelivered_task_does_nothing_twice(
    reader, postmortem, monkeypatch
):
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    seen: list[tuple[int, str]] = []
    progress = export_worker.job_progress

    def recorded(job_id: str, percent: int, stage: str) -> None:
        seen.append((percent, stage))
        progress(job_id, percent, stage)

    monkeypatch.setattr(export_worker, "job_progress", recorded)
    export_worker.export_job_write(str(job.pk))
    percents = [percent for percent, _stage in seen]
    assert percents == sorted(percents), "the bar never goes back"
    assert percents[0] >= 10
    assert percents[-1] >= 88
    assert any(stage.startswith("Laying out page") for _percent, stage in seen)
    assert any(stage == "Writing the PDF" for _percent, stage in seen)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY
    written_at, content = job.finished_at, bytes(job.content)
    export_worker.export_job_write(str(job.pk))  # the broker delivers it again
    job.refresh_from_db()
    assert (job.finished_at, bytes(job.content), job.attempts) == (written_at, content, 1)


@LONG
def test_a_report_that_fails_says_so_and_can_be_asked_for_again(
    client, reader, postmortem, monkeypatch
):
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")

    def broken(_postmortem):
        raise RuntimeError("out of fonts")

    monkeypatch.setattr(export_worker, "export_pdf", broken)
    with pytest.raises(RuntimeError):
        export_worker.export_job_write(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.content is None
    client.force_login(reader)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "could not be written" in page
    assert "Ask for it again" in page
    # A failed job is not in flight: asking again starts a new one.
    assert export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf") != job


@LONG
def test_a_job_whose_worker_died_every_time_fails_instead_of_looping(reader, postmortem, settings):
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, attempts=settings.POSTMORTEM_EXPORT_MAX_ATTEMPTS
    )
    export_worker.export_job_write(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.attempts == settings.POSTMORTEM_EXPORT_MAX_ATTEMPTS


def test_the_sweep_fails_silent_jobs_and_deletes_old_ones(reader, postmortem, settings):
    now = timezone.now()
    quiet = now - timedelta(seconds=settings.POSTMORTEM_EXPORT_STALE_SECONDS + 1)
    moving = ExportJob.objects.create(
        postmortem=postmortem, format="pdf", requested_by=reader, status="running", updated_at=now
    )
    dead = ExportJob.objects.create(
        postmortem=postmortem, format="pdf", requested_by=reader, status="running", updated_at=quiet
    )
    old = ExportJob.objects.create(
        postmortem=postmortem,
        format="pdf",
        requested_by=people.UserFactory(),
        status="ready",
        content=b"%PDF-",
        finished_at=now,
        created_at=now - timedelta(hours=settings.POSTMORTEM_EXPORT_KEEP_HOURS, seconds=1),
    )
    assert export_jobs.export_jobs_sweep(now) == {"failed": 1, "deleted": 1}
    assert ExportJob.objects.get(pk=moving.pk).status == "running"
    assert ExportJob.objects.get(pk=dead.pk).status == "failed"
    assert not ExportJob.objects.filter(pk=old.pk).exists()


# --- the API ----------------------------------------------------------------------------------


@LONG
def test_the_api_answers_202_with_the_job_then_the_file(
    client, reader, postmortem, django_capture_on_commit_callbacks
):
    client.force_login(reader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(api_export_url(postmortem))
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get()
    assert body["id"] == str(job.pk)
    assert response["Location"] == body["url"]
    assert body["reference"] == postmortem.incident.reference
    # Written by the (eager) worker after commit: follow the job.
    followed = client.get(body["url"]).json()
    assert followed["status"] == "ready"
    assert followed["progress"] == 100
    download = client.get(followed["download_url"])
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")
    # Markdown of the same long record is written at once.
    assert client.get(api_export_url(postmortem, "md")).status_code == 200


@LONG
def test_the_api_download_of_a_job_in_flight_is_a_409(client, reader, postmortem):
    client.force_login(reader)
    job = export_jobs.export_job_start(actor=reader, postmortem=postmortem, chosen="pdf")
    followed = client.get(reverse("postmortem-export-detail", kwargs={"pk": job.pk})).json()
    assert followed["status"] == "queued"
    assert followed["download_url"] is None
    early = client.get(reverse("postmortem-export-download", kwargs={"pk": job.pk}))
    assert early.status_code == 409
    assert early.json() == {"detail": "The report is not ready yet."}
