"""A storm on the brand's account: the dashboard shows the alert and the volume beside its
usual level; the alert explains itself and suggests the playbook the risk register's watch
terms point to; one click declares the incident with the storm's top posts linked, and the
war room charts the volume since detection."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from communications.listening import alerts
from communications.listening.selectors import window_bounds
from communications.messaging.services.playbooks import playbook_write
from incidents.models import Incident
from teams.risks import services as risk_services
from tests.communications.factories import SandboxAccountFactory
from tests.communications.listening_data import quiet_history, storm
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
    playbook = playbook_write(
        actor=boss,
        name="Product safety rumour",
        category="product_quality",
        severity_hint=2,
        scenario="A post claims one of our products made someone ill.",
        checklist=[{"title": "Confirm the facts with quality and the lab", "due_minutes": 15}],
    ).playbook
    risk_services.risk_save(
        actor=boss,
        title="A product safety rumour goes viral",
        category="product_quality",
        likelihood=4,
        impact=5,
        owner=boss,
        review_at=timezone.now() + timedelta(days=30),
        watch_terms=["recall", "sick"],
        playbook=playbook,
    )
    account = SandboxAccountFactory.create(handle="brand", display_name="Brand")
    # The storm fills the window being measured now, up to this moment.
    now = timezone.now()
    start, _end = window_bounds(now)
    quiet_history(account, days=8, until=start)
    storm(account, start=start, every=(now - start) / 61)
    assert alerts.alerts_evaluate() == 1

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
    expect(page.locator("#checklist-panel")).to_contain_text(
        "Confirm the facts with quality and the lab"
    )
    volume = page.get_by_test_id("incident-volume")
    expect(volume).to_contain_text("Declared from the alert")
    _chart_drawn(page, volume)
    shoot("war-room")

    # Clicked again (a second tab, a back button): the same incident, nothing twice.
    page.go_back()
    page.reload()
    expect(page.get_by_test_id("alert-declared")).to_contain_text(incident.reference)
    expect(page.get_by_test_id("alert-declare-form")).to_have_count(0)
    assert Incident.objects.count() == 1
