"""A storm on the brand's account: the dashboard shows the alert and the volume beside its
usual level; the alert explains itself and suggests the playbook the risk register's watch
terms point to; one click declares the incident with the storm's top posts linked, and the
war room charts the volume since detection."""

import pytest
from playwright.sync_api import Page, expect

from incidents.models import Incident
from tests.communications.factories import SandboxAccountFactory
from tests.e2e.worlds import product_safety_playbook, storm_now
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


def _chart_drawn(page: Page, scope) -> None:
    canvas = scope.locator("canvas[data-volume-chart]")
    expect(canvas).to_have_attribute("data-ready", "1")
    assert int(canvas.get_attribute("data-points")) > 10


def test_a_storm_raises_an_alert_and_one_click_declares_the_incident(
    page: Page, live_server, log_in, shoot
):
    boss = manager(username="maria", first_name="Maria", last_name="Kaya")
    responder(username="ali", first_name="Ali", last_name="Demir")
    playbook = product_safety_playbook(boss)
    storm_now(SandboxAccountFactory.create(handle="brand", display_name="Brand"))

    log_in("ali")
    panel = page.get_by_test_id("listening-panel")
    expect(panel).to_contain_text("1 open alert")
    expect(panel).to_contain_text("60 posts in the last 30 min on @brand")
    _chart_drawn(page, panel)
    shoot("dashboard")

    panel.get_by_role("link", name="60 posts in the last 30 min on @brand").click()
    expect(page.get_by_test_id("alert-explanation")).to_contain_text(
        "3 authors with more than 100k followers; top words: batch, recall, sick"
    )
    expect(page.get_by_test_id("alert-top-posts")).to_contain_text("@person0")
    _chart_drawn(page, page)
    form = page.get_by_test_id("alert-declare-form")
    expect(form.get_by_label("Playbook")).to_have_value(str(playbook.pk))
    expect(form).to_contain_text("listens for")
    form.get_by_label("Title").fill("Batch 24-117: parents say children got sick")
    shoot("alert")
    form.get_by_role("button", name="Declare").click()

    incident = Incident.objects.get()
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    assert incident.source == "listening_alert"
    assert incident.mentions.count() == 5
    expect(page.get_by_test_id("now-deadlines")).to_contain_text(
        "Confirm the facts with quality and the lab"
    )
    parts = page.get_by_test_id("war-room-nav")
    parts.get_by_role("link", name="Checklist").click()
    expect(page.locator("#checklist-panel")).to_contain_text(
        "Confirm the facts with quality and the lab"
    )
    parts.get_by_role("link", name="Volume").click()
    volume = page.get_by_test_id("incident-volume")
    expect(volume).to_contain_text("Declared from the alert")
    _chart_drawn(page, volume)
    shoot("war-room")

    # Back on the alert (a second tab, the back button): the same incident, nothing twice.
    page.go_back()
    page.go_back()
    page.go_back()
    page.reload()
    expect(page.get_by_test_id("alert-declared")).to_contain_text(incident.reference)
    expect(page.get_by_test_id("alert-declare-form")).to_have_count(0)
    assert Incident.objects.count() == 1
