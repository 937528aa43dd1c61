"""A responder resolves an incident: its postmortem starts as a draft; they write the report,
mark a key event, add an action item and submit it for review; a manager publishes it and
downloads the PDF, and a long record's PDF is written in the background."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from incidents.models import Status
from postmortems import flows
from postmortems.models import ActionItem, KeyEvent, Postmortem
from teams import flows as team_flows
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_resolve_write_review_publish_and_download(
    page: Page, live_server, log_in, shoot, settings
):
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    responder(username="ali", first_name="Ali", last_name="Demir")
    incident = team_flows.incident_declare(actor=maria, title="False recall rumour", severity=2)
    flows.incident_transition(actor=maria, incident=incident, to=Status.RESPONDING)

    log_in("ali")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.get_by_test_id("move-resolved").click()
    page.get_by_test_id("war-room-nav").get_by_role("link", name="Postmortem").click()
    panel = page.get_by_test_id("postmortem-panel")
    expect(panel).to_contain_text("Draft")
    shoot("war-room-resolved")
    panel.get_by_role("link", name="Open the postmortem").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.reference}/postmortem/$"))
    expect(page.get_by_test_id("facts-as-of")).to_contain_text("Current as of")

    page.get_by_test_id("edit-sections").click()
    page.get_by_label("Summary", exact=True).fill("A **false** recall rumour spread for six hours.")
    page.get_by_label("Root cause", exact=True).fill("A doctored screenshot of a recall notice.")
    page.get_by_label("Root cause category").select_option("misunderstanding")
    page.locator("#why-1").fill("Nobody could confirm the notice quickly.")
    page.get_by_test_id("save-sections").click()
    expect(page.get_by_test_id("section-summary")).to_contain_text("A false recall rumour")
    expect(page.get_by_test_id("five-whys")).to_contain_text("Nobody could confirm")

    first_event = incident.events.order_by("at", "id")[0]
    page.get_by_test_id(f"key-event-{first_event.pk}").click()
    expect(page.get_by_test_id("key-events")).to_contain_text(first_event.text[:40])

    page.get_by_text("Add an action item").click()
    page.get_by_label("What will be done").fill("Pre-approve a recall holding statement")
    page.get_by_label("Owner", exact=True).select_option(label="Ali Demir")
    due = timezone.localdate() + timedelta(days=14)
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_label("Kind").select_option("prevent")
    page.get_by_label("Priority").select_option("high")
    page.get_by_test_id("add-action-item").click()
    expect(page.get_by_test_id("action-items")).to_contain_text(
        "Pre-approve a recall holding statement"
    )
    shoot("draft-written")

    page.get_by_label("Reviewers").select_option(label="Maria Kaya")
    page.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("postmortem-status").first).to_have_text("In review")
    expect(page.get_by_test_id("publish")).to_have_count(0)

    page.context.clear_cookies()
    log_in("maria")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/postmortem/")
    page.get_by_label("Comment").fill("Reads well.")
    page.get_by_test_id("add-comment").click()
    expect(page.get_by_test_id("comments")).to_contain_text("Reads well.")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("facts-as-of")).to_contain_text("As published on")
    expect(page.get_by_test_id("sections-form")).to_have_count(0)
    expect(page.get_by_test_id("revisions")).to_contain_text("Revision 1")
    shoot("published")

    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.status == Postmortem.Status.PUBLISHED
    assert postmortem.facts
    assert KeyEvent.objects.filter(postmortem=postmortem, event=first_event).exists()
    assert ActionItem.objects.get(postmortem=postmortem).owner.username == "ali"

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="PDF").click()
    download = downloaded.value
    assert download.suggested_filename == f"{incident.reference}-postmortem.pdf"
    text = pdf_text(Path(download.path()).read_bytes())
    assert incident.reference in text
    for heading in ("Summary", "Root cause", "Action items", "Timeline"):
        assert heading in text, heading
    assert "Pre-approve a recall holding statement" in text

    # Had the record been long, the PDF is written in the background: the page follows it.
    settings.POSTMORTEM_EXPORT_INLINE_EVENTS = 2
    page.reload()
    expect(page.get_by_test_id("pdf-in-background")).to_be_visible()
    page.get_by_role("link", name="PDF").click()
    expect(page.get_by_test_id("export-job")).to_have_attribute("data-status", "ready")
    shoot("report-ready")
    with page.expect_download() as downloaded:
        page.get_by_test_id("export-download").click()
    assert incident.reference in pdf_text(Path(downloaded.value.path()).read_bytes())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
