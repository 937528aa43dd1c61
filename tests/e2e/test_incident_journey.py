import re

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident, Status, TimelineEvent
from tests.teams.factories import responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_declare_note_and_respond(page: Page, live_server, log_in, shoot):
    responder(username="ali", first_name="Ali", last_name="Demir")
    log_in("ali")
    shoot("dashboard")

    page.get_by_role("link", name="Declare incident").first.click()
    page.get_by_label("Title").fill("Viral video claims a contaminated batch")
    page.get_by_label("SEV2 — major").check()
    page.get_by_label("Category").select_option("product_quality")
    page.get_by_label("Tags").fill("video, product")
    shoot("declare-form")
    page.get_by_role("button", name="Declare").click()

    incident = Incident.objects.get()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.reference}/$"))
    expect(page.get_by_test_id("status")).to_have_text("Detected")

    page.get_by_placeholder("What happened, what was decided…").fill(
        "Quality lab asked to test retained samples."
    )
    page.get_by_test_id("add-note").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Quality lab asked to test retained samples.")
    # The note came back through htmx: the page was not reloaded, the form is empty again.
    expect(page.get_by_placeholder("What happened, what was decided…")).to_have_value("")
    shoot("note-added")

    page.get_by_test_id("move-responding").click()
    expect(page.get_by_test_id("status")).to_have_text("Responding")
    expect(timeline).to_contain_text("Status Detected → Responding")
    expect(timeline).to_contain_text("Quality lab asked to test retained samples.")
    shoot("responding")

    incident.refresh_from_db()
    assert incident.status == Status.RESPONDING
    assert incident.acknowledged_at is not None
    kinds = list(
        TimelineEvent.objects.filter(incident=incident)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["declared", "role", "acknowledged", "note", "status"]
