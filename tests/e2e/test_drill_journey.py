"""A drill end to end: a manager starts the English product-safety scenario at 20× for the
brand account (which has working credentials); its storm raises a drill alert; she declares
from it (a DRILL incident); a responder drafts the holding statement from the playbook's
template; two managers approve it; it is "published" in sandbox; the drill report measures the
times, and finishing the drill keeps them in the drill record. The fake X hears nothing."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from communications.messaging.services import statements
from communications.models import Alert, Message
from drills import services as drills
from drills.models import Drill, DrillRun
from incidents.models import Incident, WarRoomPart
from tests.communications.factories import SocialAccountFactory, TemplateFactory
from tests.e2e.worlds import product_safety_playbook
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

HOLDING = "Holding statement: product safety"


def _setup() -> None:
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    lena = manager(username="lena", first_name="Lena", last_name="Law")
    responder(username="ali", first_name="Ali", last_name="Demir")
    holding = statements.template_approve(
        actor=lena,
        template=TemplateFactory.create(
            name=HOLDING,
            body="We have seen the reports about batch 24-117 and are testing samples now.",
        ),
    )
    product_safety_playbook(maria, templates=[holding])


def _play_until_the_alert(run: DrillRun) -> None:
    """What the worker's beat does every few seconds, here every second, in real time: at 20×
    the storm reaches the alert's minimum about 25 s after the start."""
    deadline = time.monotonic() + 90
    while not Alert.objects.filter(account=run.account).exists():
        assert time.monotonic() < deadline, "the drill's storm raised no alert in 90 s"
        drills.drills_advance()
        time.sleep(1)


def test_a_drill_is_played_declared_answered_in_sandbox_and_measured(
    page: Page, live_server, log_in, shoot, fake_x
):
    _setup()
    brand = SocialAccountFactory.create(handle="juicebrand", display_name="Juice Brand")

    # Maria starts the English scenario at 20× for @juicebrand from the drills page.
    log_in("maria")
    page.goto(f"{live_server.url}{reverse('drills:list')}")
    form = page.get_by_test_id("drill-start-form")
    form.locator("#id_scenario").select_option("product_safety_en")
    form.locator("#id_speed").select_option("20")
    form.locator("#id_based_on").select_option(str(brand.pk))
    shoot("drills-page")
    form.get_by_role("button", name="Start the drill").click()

    run = DrillRun.objects.get()
    expect(page).to_have_url(f"{live_server.url}{run.get_absolute_url()}")
    expect(page.get_by_test_id("drill-sandbox")).to_contain_text(f"@juicebrand.drill{run.pk}")
    expect(page.get_by_test_id("drill-sandbox")).to_contain_text("nothing reaches X")
    shoot("run-started")

    # The storm comes; the run page (polling) shows the drill's alert as it is raised.
    _play_until_the_alert(run)
    alerts = page.get_by_test_id("drill-alerts")
    expect(alerts).to_contain_text(f"on @juicebrand.drill{run.pk}", timeout=10_000)
    shoot("alert-raised")
    alerts.get_by_role("link").first.click()

    declare = page.get_by_test_id("alert-declare-form")
    expect(declare.get_by_label("Severity")).to_have_value("1")  # the scenario's
    expect(declare).to_contain_text("listens for")
    shoot("alert")
    declare.get_by_role("button", name="Declare").click()

    incident = Incident.objects.get()
    assert incident.is_drill
    assert incident.reference.startswith("DRILL-")
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.get_by_text("DRILL — a rehearsal", exact=False)).to_be_visible()
    # Declaring acknowledged it: the declarer leads.
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    shoot("war-room")
    page.context.clear_cookies()

    # Ali drafts the holding statement from the playbook's template and submits it.
    log_in("ali")
    page.goto(f"{live_server.url}{incident.part_url(WarRoomPart.PLAYBOOK)}")
    page.get_by_test_id("playbook-panel").get_by_role("link", name=HOLDING).click()
    expect(page.locator("#id_body")).to_have_value(re.compile("batch 24-117"))
    page.get_by_label("Account").select_option(str(brand.pk))
    shoot("composer")
    page.get_by_test_id("save-submit").click()
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("approval-count")).to_have_text("0 of 2")
    message = Message.objects.get()
    page.context.clear_cookies()

    # Two managers approve it; the second approval publishes it, in sandbox.
    for approver in ("maria", "lena"):
        log_in(approver)
        page.goto(f"{live_server.url}/communications/messages/{message.pk}/")
        page.get_by_test_id("approve").click()
        page.context.clear_cookies()
    log_in("maria")
    page.goto(f"{live_server.url}/communications/messages/{message.pk}/")
    expect(page.get_by_test_id("message-status")).to_have_text("Published")
    expect(page.get_by_test_id("sandbox-published")).to_be_visible()
    shoot("published")
    message.refresh_from_db()
    assert (message.status, message.sandbox, message.account) == ("published", True, brand)

    # The drill report measures the team; finishing keeps it in the drill record.
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    panel = page.get_by_test_id("drill-report-panel")
    expect(panel.get_by_test_id("panel-target-acknowledge")).to_contain_text("Met")
    expect(panel.get_by_test_id("panel-target-first_statement")).to_contain_text("Met")
    shoot("run-report-panel")
    panel.get_by_test_id("drill-report-link").click()
    expect(page.get_by_test_id("drill-badge")).to_be_visible()
    expect(page.get_by_test_id("target-acknowledge")).to_contain_text("Met")
    expect(page.get_by_test_id("target-first_statement")).to_contain_text("Met")
    expect(page.get_by_test_id("target-mentions")).to_be_visible()
    shoot("report")
    page.get_by_test_id("finish-drill").click()
    expect(page.get_by_test_id("finished")).to_be_visible()
    drill = Drill.objects.get()
    assert "Met:" in drill.findings
    assert {p.username for p in drill.participants.all()} >= {"maria", "lena", "ali"}
    shoot("finished")

    assert fake_x.requests == []  # the brand account's credentials were never used
