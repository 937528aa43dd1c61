"""The statement page in the browser: a manager puts the SEV1 on the page; a responder drafts a
page update in the composer; two managers approve it; the public reads it in their browser's
language, and a correction shows as one."""

import re

import pytest
from playwright.sync_api import Page, expect

from communications.models import Message
from teams import flows
from tests.e2e.conftest import signed_in
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)

UPDATE = (
    "What happened: some bottles of batch 24-117 may contain glass. What you can do: do not "
    "drink them; any shop takes them back. Next update by 18:00."
)
FIX = "Correction: the batch is 24-171, not 24-117. Bottles of 24-117 are safe."


def approve(page, live_server, message):
    page.goto(f"{live_server.url}{message.get_absolute_url()}")
    page.get_by_test_id("approve").click()
    expect(page.get_by_role("alert").first).to_be_visible()


def draft_update(page, live_server, incident, text, corrects=None):
    page.goto(f"{live_server.url}/communications/incidents/{incident.reference}/statement-page/")
    page.get_by_test_id("draft-page-update").click()
    expect(page.locator("#kind-page_update")).to_be_checked()
    expect(page.get_by_label("Page it goes on")).to_have_value("en")
    expect(page.get_by_label("Account")).to_be_hidden()
    page.get_by_label("Text", exact=True).fill(text)
    if corrects is not None:
        page.get_by_label("Published message it corrects").select_option(str(corrects.pk))
    page.get_by_test_id("save-submit").click()
    expect(page).to_have_url(re.compile(r"/communications/messages/\d+/$"))
    expect(page.get_by_test_id("message-status")).to_have_text("Waiting for approval")
    return Message.objects.get(body=text)


def test_a_page_update_goes_from_the_composer_through_two_approvals_to_the_public_page(
    page: Page, browser, live_server, log_in, shoot, settings
):
    settings.STATEMENT_PAGE_URL = f"{live_server.url}/status"
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    deniz = manager(username="deniz", first_name="Deniz", last_name="Ak")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(actor=ali, title="Spike: glass, recall, kids", severity=1)

    # A manager puts the incident on the page under a public headline. (Each approver signs in
    # once: a second-step code is good once.)
    manager_page = signed_in(browser, live_server, maria)
    second_approver = signed_in(browser, live_server, deniz)
    manager_page.goto(
        f"{live_server.url}/communications/incidents/{incident.reference}/statement-page/"
    )
    manager_page.get_by_label("Public headline").fill("Batch 24-117 of our mango juice")
    manager_page.get_by_role("button", name="Put it on the page").click()
    expect(manager_page.get_by_test_id("page-state")).to_have_text("on the page")

    # The public page says the first statement is being prepared; the working title is not there.
    page.goto(f"{live_server.url}/status/en/")
    expect(page.get_by_test_id("page-incident")).to_contain_text("Batch 24-117 of our mango juice")
    expect(page.locator("body")).not_to_contain_text("Spike")

    log_in("ali")
    # A post can point people to the page: the composer adds its link (X counts it as 23).
    page.goto(f"{live_server.url}/communications/messages/new/?incident={incident.reference}")
    page.get_by_label("Text", exact=True).fill("Our statement:")
    page.get_by_role("button", name="Add the page's link (English)").click()
    link = f"{live_server.url}/status/en/#{incident.reference.lower()}"
    expect(page.get_by_label("Text", exact=True)).to_have_value(f"Our statement: {link}")
    message = draft_update(page, live_server, incident, UPDATE)
    shoot("update-submitted")
    approve(manager_page, live_server, message)
    approve(second_approver, live_server, message)
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED

    # The public, in an English browser and a Turkish one.
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{live_server.url}/status/")
    expect(public).to_have_url(f"{live_server.url}/status/en/")
    expect(public.get_by_test_id("page-update")).to_have_text(re.compile("batch 24-117"))
    expect(public.get_by_test_id("last-updated")).to_be_visible()
    shoot_public = public.screenshot(full_page=True)
    assert shoot_public
    turkish = browser.new_context(locale="tr-TR").new_page()
    turkish.goto(f"{live_server.url}/status/")
    expect(turkish).to_have_url(f"{live_server.url}/status/tr/")
    expect(turkish.locator("html")).to_have_attribute("lang", "tr")
    expect(turkish.get_by_test_id("page-update")).to_have_count(0)  # written for the English page

    # A correction shows as one, and the first update stays as it was said.
    correction = draft_update(page, live_server, incident, FIX, corrects=message)
    approve(manager_page, live_server, correction)
    approve(second_approver, live_server, correction)
    public.reload()
    expect(public.get_by_test_id("page-update")).to_have_count(2)
    expect(public.get_by_test_id("correction")).to_have_count(1)
    expect(public.get_by_test_id("corrected")).to_have_count(1)
    public.screenshot(path=str(shoot("public-page").parent / "public-page-en.png"), full_page=True)
    public.context.close()
    turkish.context.close()
