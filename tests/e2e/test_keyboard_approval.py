"""The approval journey by keyboard alone, counted: from the dashboard to an approved message in
at most 10 key presses, the focus always visible on the way; and what changes on an open page is
said to screen readers politely, without taking the focus."""

import time

import pytest
from playwright.sync_api import expect

from communications.messaging.services import messages as message_services
from communications.models import Message
from incidents import services as incident_services
from teams import flows
from tests.communications.factories import SandboxAccountFactory
from tests.e2e.conftest import signed_in
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

MOST_KEYS = 10
FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      || style.boxShadow !== 'none';
}"""


def test_from_the_dashboard_to_approve_in_at_most_ten_key_presses(browser, live_server):
    ali = responder(username="ali")
    maria = manager(username="maria")
    incident = flows.incident_declare(actor=ali, title="Recall rumour", severity=3)
    account = SandboxAccountFactory(handle="brand")
    older = message_services.message_create(
        actor=ali, incident=incident, account=account, body="We are looking into it."
    )
    message_services.message_submit(actor=ali, message=older)
    page = signed_in(browser, live_server, maria)
    presses = 0

    def press(key: str) -> None:
        nonlocal presses
        presses += 1
        page.keyboard.press(key)

    press("a")  # from the dashboard: the approvals waiting for me
    expect(page).to_have_url(f"{live_server.url}/communications/approvals/")
    press("o")  # the one waiting longest
    expect(page).to_have_url(f"{live_server.url}{older.get_absolute_url()}")
    press("a")  # the focus on Approve, which says what it does
    approve = page.get_by_test_id("approve")
    expect(approve).to_be_focused()
    assert page.evaluate(FOCUS_RING), "the focused Approve shows no focus ring"
    older.refresh_from_db()
    assert older.status == Message.Status.PENDING_APPROVAL  # a key alone never approves
    press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("Approved.")
    older.refresh_from_db()
    assert older.status in (Message.Status.APPROVED, Message.Status.PUBLISHED)
    print(f"keyboard: dashboard to approved in {presses} key presses")
    assert presses <= MOST_KEYS
    page.context.close()


def test_no_key_acts_while_the_viewer_types(browser, live_server):
    maria = manager(username="maria")
    page = signed_in(browser, live_server, maria)
    page.goto(f"{live_server.url}/incidents/")
    search = page.locator("input[name=q]")
    search.click()
    page.keyboard.type("a")
    expect(page).to_have_url(f"{live_server.url}/incidents/")
    expect(search).to_have_value("a")
    page.context.close()


def test_a_change_on_an_open_page_is_said_politely_without_taking_the_focus(browser, live_server):
    ali = responder(username="ali")
    maria = manager(username="maria")
    incident = flows.incident_declare(actor=ali, title="Recall rumour", severity=2)
    page = signed_in(browser, live_server, maria)
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    typing = page.get_by_placeholder("What happened, what was decided…")
    typing.focus()
    announcer = page.get_by_test_id("live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    incident_services.incident_note_add(actor=ali, incident=incident, text="Lab called back.")
    started = time.monotonic()
    expect(announcer).to_contain_text("What to do now changed.", timeout=5000)
    assert time.monotonic() - started <= 5
    expect(typing).to_be_focused()
    page.context.close()
