"""The response schedule in the browser: the war room counts down, a responder acknowledges
and snoozes from the deadline's page, finds it under My deadlines; an admin edits a policy."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.models import Incident, WarRoomPart
from teams.models import Deadline, ResponsePolicy
from teams.schedule import engine
from tests.teams.factories import admin, declared_for, responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_responder_works_the_deadlines_of_a_sev1(page: Page, live_server, log_in, shoot):
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = declared_for(
        ali,
        title="Viral video claims a contaminated batch",
        severity=1,
        detected_at=timezone.now() - timedelta(minutes=20),
    )
    acknowledge = Deadline.objects.get(incident=incident, kind=Deadline.Kind.ACKNOWLEDGE)
    statement = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FIRST_STATEMENT)

    log_in("ali")
    expect(page.get_by_test_id("overdue-count")).to_have_text("0")
    shoot("dashboard")
    page.goto(f"{live_server.url}{incident.part_url(WarRoomPart.DEADLINES)}")
    panel = page.get_by_test_id("deadlines-panel")
    expect(panel.get_by_test_id("deadline")).to_have_count(2)
    expect(panel).to_contain_text("acknowledge the incident")
    expect(panel).to_contain_text("Reminder")
    # The countdown ticks in the browser, saying its units: "in 4 min 59 s", then a second less.
    countdown = panel.locator("time[data-countdown]").first
    expect(countdown).to_have_text(re.compile(r"^in \d+ min \d\d s$"))
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=3000)
    shoot("war-room-deadlines")

    panel.get_by_role("link", name=acknowledge.title).click()
    expect(page).to_have_url(re.compile(rf"/team/deadlines/{acknowledge.pk}/$"))
    expect(page.get_by_test_id("chain").get_by_test_id("chain-step")).to_have_count(7)
    expect(page.get_by_test_id("next-notified")).to_contain_text("Ali Demir")
    shoot("deadline-page")
    form = page.get_by_test_id("acknowledge-form")
    form.get_by_role("button", name="Acknowledge").click()
    expect(form.locator(".invalid-feedback")).to_have_text("Say why, for the timeline.")
    form.get_by_label("Why (for the timeline)").fill("Calling the brand manager now")
    form.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert")).to_contain_text("Escalation acknowledged")
    expect(page.get_by_test_id("next-notified")).to_contain_text("Nobody else will be told")
    shoot("acknowledged")

    page.get_by_test_id("incident-link").click()
    expect(page.get_by_test_id("now-latest")).to_contain_text("Calling the brand manager now")
    page.get_by_test_id("deadlines-panel").get_by_role("link", name=statement.title).click()
    form = page.get_by_test_id("snooze-form")
    form.get_by_label("Snooze for").select_option("30")
    form.get_by_label("Why (for the timeline)").fill("Legal is reviewing the draft")
    form.get_by_role("button", name="Snooze").click()
    expect(page.get_by_role("alert")).to_contain_text("Escalation snoozed for 30 minutes.")
    shoot("snoozed")

    page.get_by_role("button", name="Deadlines").click()
    page.get_by_role("link", name="My deadlines").click()
    expect(page.get_by_test_id("my-deadlines").get_by_test_id("deadline")).to_have_count(2)
    expect(page.get_by_test_id("my-deadlines")).to_contain_text("acknowledged by Ali Demir")
    shoot("my-deadlines")

    page.goto(f"{live_server.url}/incidents/")
    expect(page.get_by_test_id("next-due").first).to_contain_text("Acknowledge the incident")
    shoot("incident-list")

    # Responding, and the holding statement is out: the public-silence clock runs from it.
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.get_by_test_id("move-responding").click()
    page.get_by_test_id("war-room-nav").get_by_role("link", name="Deadlines").click()
    clock = page.get_by_test_id("silence-clock")
    expect(clock).to_contain_text("no public statement yet")
    expect(clock).to_contain_text("First statement due")
    spoke = timezone.now() - timedelta(minutes=3)
    Incident.objects.filter(pk=incident.pk).update(first_response_at=spoke)
    incident.refresh_from_db()
    engine.public_update_published(incident=incident, at=spoke, by=incident.declared_by)
    # The panel refreshes itself: no reload.
    expect(clock).to_contain_text("Next update due", timeout=30000)
    expect(clock.locator("time[data-elapsed]")).to_have_text(re.compile(r"^3 min \d\d s$"))
    shoot("silence-clock")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("silence-clocks")).to_contain_text(incident.reference)
    shoot("dashboard-silence")


def test_an_admin_edits_a_policy_chain(page: Page, live_server, log_in, shoot):
    admin(username="ada", first_name="Ada", last_name="Yilmaz")
    log_in("ada")
    page.get_by_role("button", name="Deadlines").click()
    page.get_by_role("link", name="Response policies").click()
    expect(page.get_by_test_id("policies")).to_contain_text("on call: Communications lead")
    shoot("policies")
    page.get_by_test_id("policy-sev2").get_by_role("link", name="Edit").click()
    expect(page.get_by_test_id("running-incidents-note")).to_contain_text(
        "Running incidents keep the copy they started with"
    )
    form = page.get_by_test_id("policy-form")
    rows = form.get_by_test_id("step-row")
    # Only reminders: refused, on the chain.
    rows.nth(1).get_by_label("Step 2: minutes from due").fill("-1")
    rows.nth(2).get_by_label("Step 3: minutes from due").fill("")
    for box in rows.nth(2).locator("input[type=checkbox]").all():
        box.uncheck()
    form.get_by_role("button", name="Save policy").click()
    expect(page.get_by_test_id("chain-error")).to_contain_text("reminders alone escalate nobody")
    shoot("chain-refused")

    form = page.get_by_test_id("policy-form")
    form.get_by_label("Acknowledge within (minutes)").fill("10")
    rows = form.get_by_test_id("step-row")
    rows.nth(1).get_by_label("Step 2: minutes from due").fill("0")
    rows.nth(2).get_by_label("Step 3: minutes from due").fill("20")
    rows.nth(2).get_by_label("all managers").check()
    rows.nth(2).get_by_label("the executive sponsor").check()
    form.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("alert")).to_contain_text("running incidents keep the copy")
    expect(page.get_by_test_id("policy")).to_contain_text("10 min")
    shoot("policy-saved")
    policy = ResponsePolicy.objects.get(severity=2)
    assert policy.acknowledge_minutes == 10
    assert [(s.offset_minutes, s.targets) for s in policy.steps.all()] == [
        (-5, ["owner"]),
        (0, ["owner", "crisis_lead"]),
        (20, ["managers", "executive_sponsor"]),
    ]

    page.get_by_role("button", name="Deadlines").click()
    page.get_by_role("link", name="Schedule engine").click()
    expect(page.get_by_test_id("engine-health")).to_be_visible()
    shoot("engine-health")
