"""Pre-flight checks in the browser: the writer sees them as they type and cannot submit a
placeholder; the approver sees the same two warnings, each word marked in the text."""

import re

import pytest
from playwright.sync_api import Page, expect

from communications.models import Message
from teams import flows
from tests.communications.factories import SandboxAccountFactory
from tests.communications.wording import starting_rules
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_writer_and_the_approver_see_the_same_checks_with_the_words_marked(
    page: Page, live_server, log_in, shoot
):
    starting_rules()
    manager(username="maria", first_name="Maria", last_name="Kaya")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(actor=ali, title="Recall rumour", severity=3)
    SandboxAccountFactory(handle="brand", display_name="Brand")

    log_in("ali")
    page.goto(f"{live_server.url}/communications/messages/new/?incident={incident.reference}")
    checks = page.get_by_test_id("preflight")
    expect(checks.get_by_test_id("preflight-clear")).to_be_visible()
    body = page.get_by_label("Text", exact=True)
    body.press_sequentially("Next update at {next_update}.", delay=2)
    expect(checks.locator('li[data-check="placeholder"]')).to_contain_text("blocks")
    expect(checks.locator("mark")).to_have_text(["{next_update}"])
    page.get_by_test_id("save-submit").click()
    expect(page.get_by_test_id("composer")).to_contain_text("a placeholder must never go out")
    assert not Message.objects.exists()
    shoot("placeholder-refused")

    body.fill("")
    body.press_sequentially("CALM DOWN, as we already said", delay=2)
    expect(checks.locator('li[data-check="tone"]')).to_have_count(2)
    expect(checks.locator("mark")).to_have_text(["CALM DOWN", "as we already said"])
    page.get_by_test_id("save-submit").click()
    expect(page).to_have_url(re.compile(r"/communications/messages/\d+/$"))
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("message-body").locator("mark")).to_have_text(
        ["CALM DOWN", "as we already said"]
    )
    shoot("author-sees-warnings")
    message = Message.objects.get()

    log_in("maria")
    page.goto(f"{live_server.url}{message.get_absolute_url()}")
    checks = page.get_by_test_id("preflight")
    expect(checks.locator('li[data-check="tone"]')).to_have_count(2)
    expect(checks).to_contain_text("approve only if each one is said on purpose")
    expect(page.get_by_test_id("message-body").locator("mark")).to_have_count(2)
    expect(page.get_by_test_id("approve")).to_be_visible()
    shoot("approver-sees-warnings")
