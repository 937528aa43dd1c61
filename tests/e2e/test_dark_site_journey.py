"""The dark site in the browser, from the playbook to a subscriber's inbox: a manager declares a
SEV1 from a playbook that holds a prepared statement page and switches it on in one action; a
reader subscribes by email and confirms; a responder drafts an update for the page; two managers
approve it; it is on the page in the reader's language and in the feed, and the confirmed
subscriber receives exactly one email; a correction shows as one."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from communications.messaging.services import statements
from communications.messaging.services.playbooks import playbook_write
from communications.models import Message, PageSubscriber
from incidents.models import Incident
from tests.e2e.conftest import signed_in
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

READER = "okur@example.org"
UPDATE = (
    "What happened: some bottles of batch 24-117 may contain glass. What you can do: do not "
    "drink them; any shop takes them back. Next update by 18:00."
)
FIX = "Correction: the batch is 24-171, not 24-117. Bottles of 24-117 are safe."


def prepared_pages(writer, approver):
    texts = {
        "en": (
            "A question about one of our juices",
            "We know of the reports about one of our juices ({reference}) and are testing "
            "retained samples now. Next update at {next_update}.",
            "### What should I do?\nKeep the bottle; do not drink it. Any shop takes it back.",
        ),
        "tr": (
            "Meyve sularımızdan biri hakkında bir soru",
            "Meyve sularımızdan biriyle ilgili haberlerden ({reference}) haberdarız ve "
            "numuneleri test ediyoruz. Bir sonraki açıklama: {next_update}.",
            "### Ne yapmalıyım?\nŞişeyi saklayın, içmeyin. Her mağaza geri alır.",
        ),
    }
    return [
        statements.template_approve(
            actor=approver,
            template=statements.template_save(
                actor=writer,
                name="Juice safety page",
                kind="page",
                language=language,
                headline=headline,
                body=body,
                faq=faq,
            ),
        )
        for language, (headline, body, faq) in texts.items()
    ]


def to_reader():
    return [m for m in mail.outbox if m.to == [READER]]


def link_in(body: str, kind: str) -> str:
    found = re.search(rf"http\S+/status/{kind}/\S+/", body)
    assert found is not None, body
    return found.group(0)


def approve(page, live_server, message):
    page.goto(f"{live_server.url}{message.get_absolute_url()}")
    page.get_by_test_id("approve").click()
    expect(page.get_by_role("alert").first).to_be_visible()


def draft_update(page, live_server, incident, text, corrects=None):
    page.goto(f"{live_server.url}/communications/incidents/{incident.reference}/statement-page/")
    page.get_by_test_id("draft-page-update").click()
    expect(page.get_by_label("Page it goes on")).to_have_value("en")
    page.get_by_label("Text", exact=True).fill(text)
    if corrects is not None:
        page.get_by_label("Published message it corrects").select_option(str(corrects.pk))
    page.get_by_test_id("save-submit").click()
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    return Message.objects.get(body=text)


def test_from_a_prepared_page_to_a_subscribers_inbox(
    page: Page, browser, live_server, log_in, shoot, settings
):
    settings.STATEMENT_PAGE_URL = f"{live_server.url}/status"
    settings.BRAND_NAME = "Meyve Co"
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    deniz = manager(username="deniz", first_name="Deniz", last_name="Ak")
    responder(username="ali", first_name="Ali", last_name="Demir")
    playbook_write(
        actor=maria,
        name="Juice safety rumour",
        category="product_quality",
        severity_hint=1,
        scenario="A post claims one of our juices made someone ill.",
        templates=prepared_pages(maria, deniz),
    )

    # Declared from the playbook; the prepared page goes up in one action.
    manager_page = signed_in(browser, live_server, maria)
    second_approver = signed_in(browser, live_server, deniz)
    manager_page.goto(f"{live_server.url}/communications/playbooks/")
    manager_page.get_by_role("link", name="Juice safety rumour").click()
    manager_page.get_by_test_id("declare-from-playbook").click()
    manager_page.get_by_label("Title").fill("Spike: glass in juice, kids, recall")
    manager_page.get_by_role("button", name="Declare", exact=True).click()
    incident = Incident.objects.get()
    assert incident.severity == 1  # the playbook's usual severity
    expect(manager_page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    manager_page.goto(
        f"{live_server.url}/communications/incidents/{incident.reference}/statement-page/"
    )
    expect(manager_page.get_by_test_id("prepared-pages")).to_contain_text("Juice safety page")
    manager_page.screenshot(
        path=str(shoot("declared").parent / "prepared-page-offered.png"), full_page=True
    )
    manager_page.get_by_test_id("switch-on-prepared").click()
    expect(manager_page.get_by_test_id("page-state")).to_have_text("on the page")

    # The public reads it at once, in their own language, without the working title.
    reader = browser.new_context(locale="tr-TR").new_page()
    reader.goto(f"{live_server.url}/status/")
    expect(reader).to_have_url(f"{live_server.url}/status/tr/")
    card = reader.get_by_test_id("page-incident")
    expect(card).to_contain_text("Meyve sularımızdan biri hakkında bir soru")
    expect(reader.get_by_test_id("opening-statement")).to_contain_text(incident.reference)
    expect(reader.get_by_test_id("faq")).to_contain_text("Ne yapmalıyım?")
    expect(reader.locator("body")).not_to_contain_text("Spike")
    expect(reader.locator("body")).not_to_contain_text("{next_update}")
    reader.screenshot(path=str(shoot("dark-site-tr").parent / "dark-site-public-tr.png"))

    # The reader subscribes in English, and confirms from the email.
    english = browser.new_context(locale="en-GB").new_page()
    english.goto(f"{live_server.url}/status/en/")
    english.get_by_test_id("subscribe").click()
    english.set_viewport_size({"width": 390, "height": 844})  # a phone, as most readers
    english.get_by_label("Your email address").fill(READER)
    english.screenshot(path=str(shoot("subscribe").parent / "subscribe-390.png"))
    english.get_by_role("button", name="Subscribe").click()
    expect(english.get_by_test_id("subscribe-sent")).to_be_visible()
    (confirmation,) = to_reader()
    english.goto(link_in(confirmation.body, "subscription"))
    assert not PageSubscriber.objects.get().is_confirmed  # opening the link is not enough
    english.get_by_test_id("confirm").click()
    expect(english.get_by_test_id("subscribed")).to_be_visible()
    mail.outbox.clear()

    # A page update: the composer, then two approvals (SEV1).
    log_in("ali")
    message = draft_update(page, live_server, incident, UPDATE)
    approve(manager_page, live_server, message)
    assert to_reader() == []  # one approval of two: nothing public yet
    approve(second_approver, live_server, message)
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED

    english.goto(f"{live_server.url}/status/en/")
    expect(english.get_by_test_id("page-update")).to_contain_text("batch 24-117")
    expect(english.get_by_test_id("opening-statement")).to_contain_text("retained samples")
    feed = english.request.get(f"{live_server.url}/status/en/feed.atom").text()
    assert "batch 24-117" in feed
    (email,) = to_reader()
    assert "A question about one of our juices" in email.subject
    assert "batch 24-117" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    shoot("after-the-update")

    # A correction shows as a correction, on the page and in the subscriber's email.
    correction = draft_update(page, live_server, incident, FIX, corrects=message)
    approve(manager_page, live_server, correction)
    approve(second_approver, live_server, correction)
    english.reload()
    expect(english.get_by_test_id("correction")).to_have_count(1)
    expect(english.get_by_test_id("corrected")).to_have_count(1)
    english.screenshot(
        path=str(shoot("dark-site-en").parent / "dark-site-public-en.png"), full_page=True
    )
    assert [m.subject.rsplit("— ", 1)[-1] for m in to_reader()] == ["Update", "Correction"]

    # One click from the email unsubscribes, and the address is gone.
    english.goto(link_in(email.body, "unsubscribe"))
    english.get_by_test_id("unsubscribe").click()
    expect(english.get_by_test_id("unsubscribed")).to_be_visible()
    assert not PageSubscriber.objects.exists()
    for context in (reader.context, english.context):
        context.close()
