"""Two people on one mention: B sees within 2 s that A is replying, on the queue and in the
composer, and cannot send a second reply without ticking "Reply anyway". And the queue by
keyboard: j/k move, x chooses, ? lists the keys, r replies, o opens; nothing while typing."""

import re
import time

import pytest
from playwright.sync_api import expect

from communications.models import Message
from teams import flows
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.teams.factories import responder

pytestmark = pytest.mark.django_db(transaction=True)

WITHIN = 2.0  # seconds


def seen_within(locator, started: float, took: list[float]) -> None:
    expect(locator).to_be_visible(timeout=4000)
    took.append(time.monotonic() - started)


def test_b_sees_that_a_is_replying_and_is_warned_before_a_second_reply(
    browser, live_server, request
):
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    ayse = responder(username="ayse", first_name="Ayşe", last_name="Yılmaz")
    can = responder(username="can", first_name="Can", last_name="Demir")
    incident = flows.incident_declare(actor=ayse, title="Kettle recall", severity=2)
    mention = InboundPostFactory(
        account=SandboxAccountFactory(handle="kettlebrand"),
        incident=incident,
        author_handle="angry_customer",
        text="My kettle caught fire!",
    )
    hers = signed_in(browser, live_server, ayse)
    his = signed_in(browser, live_server, can)
    his.goto(f"{live_server.url}/communications/mentions/")
    row = his.locator(f"#mention-{mention.pk}")
    took: list[float] = []

    hers.goto(f"{live_server.url}/communications/messages/new/?reply_to={mention.pk}")
    started = time.monotonic()
    seen_within(row.get_by_text("Ayşe Yılmaz is replying"), started, took)
    his.screenshot(path=str(folder / "01-queue-ayse-replying.png"), full_page=True)

    row.get_by_test_id("reply").click()
    warning = his.get_by_test_id("reply-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Ayşe Yılmaz is replying")
    his.get_by_label("Text").fill("Hello, please send us a DM.")
    his.screenshot(path=str(folder / "02-composer-warning.png"), full_page=True)

    # Ayşe sends hers for approval and leaves the composer: Can's warning follows at once.
    hers.get_by_label("Text").fill("We are so sorry; a DM is on its way.")
    hers.get_by_test_id("save-submit").click()
    expect(hers.get_by_role("alert").first).to_contain_text("sent for approval")
    started = time.monotonic()
    expect(warning.get_by_test_id("replying")).to_be_hidden(timeout=4000)
    took.append(time.monotonic() - started)

    his.get_by_test_id("save-submit").click()
    expect(his.get_by_test_id("reply-anyway")).to_contain_text("Tick “Reply anyway”")
    expect(his.get_by_test_id("other-replies")).to_contain_text(
        "Reply by Ayşe Yılmaz (waiting for approval)"
    )
    assert not Message.objects.filter(author=can).exists()
    his.get_by_label("Reply anyway").check()
    his.get_by_test_id("save-submit").click()
    expect(his.get_by_role("alert").first).to_contain_text("sent for approval")
    assert Message.objects.get(author=can).status == Message.Status.PENDING_APPROVAL
    # Closed now: an open page keeps beating into the next test's database flush.
    hers.context.close()
    his.context.close()
    assert max(took) <= WITHIN, took


def test_the_queue_by_keyboard(page, live_server, log_in, shoot):
    responder(username="ali")
    incident = flows.incident_declare(
        actor=responder(username="lead"), title="Kettle recall", severity=2
    )
    account = SandboxAccountFactory(handle="kettlebrand")
    widest = InboundPostFactory(
        account=account, incident=incident, author_handle="big", author_followers=9000
    )
    middle = InboundPostFactory(account=account, author_handle="mid", author_followers=500)
    InboundPostFactory(account=account, author_handle="small", author_followers=10)
    log_in("ali")
    page.goto(f"{live_server.url}/communications/mentions/")
    status = page.get_by_test_id("keys-status")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Choose it for the bulk bar")
    shoot("keys-help")
    expect(help_dialog).to_be_focused()  # once it has faded in, Escape closes it
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("j")
    expect(page.locator(f"#mention-{widest.pk}")).to_be_focused()
    expect(status).to_have_text("Mention 1 of 3: @big")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("k")
    expect(page.locator(f"#mention-{middle.pk}")).to_be_focused()
    expect(status).to_have_text("Mention 2 of 3: @mid")

    page.keyboard.press("x")
    expect(page.locator(f"#pick-{middle.pk}")).to_be_checked()
    expect(page.get_by_test_id("bulk-form")).to_contain_text("1 chosen")
    expect(status).to_have_text("Chosen for the bulk bar")
    shoot("keys-chosen")

    # Typing in a field is typing, never a shortcut.
    reason = page.get_by_label("Why (needed for “no reply needed”)")
    reason.focus()
    page.keyboard.type("jxk?")
    expect(reason).to_have_value("jxk?")
    expect(page.locator(f"#pick-{middle.pk}")).to_be_checked()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    # r on a mention with no incident says why; on one with an incident it opens the reply.
    page.locator(f"#mention-{middle.pk}").focus()
    page.keyboard.press("r")
    expect(status).to_have_text("No reply from here: link the mention to an incident first.")
    page.keyboard.press("k")
    page.keyboard.press("r")
    page.wait_for_url(
        re.compile(rf"/communications/messages/new/\?incident=.+&reply_to={widest.pk}$")
    )
    page.go_back()
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/communications/mentions/{widest.pk}/")


def test_on_a_phone_the_filters_fold_behind_a_button_that_counts_them(browser, live_server):
    InboundPostFactory(author_handle="first", text="Is the kettle safe?")
    phone = signed_in(browser, live_server, responder(username="ali"), width=390, height=844)
    phone.goto(f"{live_server.url}/communications/mentions/?q=kettle&overdue=false")
    toggle = phone.get_by_test_id("filters-toggle")

    expect(toggle).to_have_text("Filters (2 active)")
    expect(phone.get_by_label("Search")).to_be_hidden()
    assert phone.get_by_test_id("mention").first.bounding_box()["y"] < 844
    toggle.click()
    expect(phone.get_by_label("Search")).to_have_value("kettle")
    phone.context.close()
