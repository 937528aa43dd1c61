import pytest
from playwright.sync_api import Page, expect

from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Message, PublishingPause
from teams import flows
from tests.communications.factories import SandboxAccountFactory
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_pauses_from_the_header_and_every_page_shows_it_until_resumed(
    page: Page, live_server, log_in, shoot
):
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    SandboxAccountFactory.create(handle="brand")
    account = SandboxAccountFactory.create(handle="brand_help")
    incident = flows.incident_declare(actor=ali, title="Account sends odd replies", severity=3)

    log_in("maria")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    page.get_by_test_id("pause-switch").click()
    form = page.get_by_test_id("pause-form")
    form.get_by_label("Pause publishing on").select_option(label="@brand_help (sandbox)")
    form.get_by_label("Why").fill("Our help account may be hacked")
    shoot("pause-form")
    form.get_by_role("button", name="Pause now").click()
    # Back on the war room, under the banner.
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    banner = page.get_by_test_id("pause-banner")
    expect(banner).to_contain_text("Publishing is paused on @brand_help.")
    expect(banner).to_contain_text("Our help account may be hacked")
    # Another page shows it too.
    page.get_by_role("link", name="Incidents", exact=True).click()
    expect(page.get_by_test_id("pause-banner")).to_contain_text("Maria Kaya")
    shoot("banner-elsewhere")

    # A message approved meanwhile waits; resuming releases nothing unless ticked.
    message = message_services.message_create(
        actor=ali, incident=incident, account=account, body="Sorry for the odd replies."
    )
    message_services.message_submit(actor=ali, message=message)
    approvals.message_approve(actor=maria, message=message)
    page.get_by_test_id("pause-resume-link").click()
    expect(page.get_by_test_id("waiting-messages")).to_contain_text("Sorry for the odd replies.")
    shoot("resume")
    page.get_by_role("button", name="Resume publishing").click()
    expect(page.get_by_text("Publishing resumed: 0 released, 1 back to draft.")).to_be_visible()
    expect(page.get_by_test_id("pause-banner")).to_have_count(0)
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
    assert PublishingPause.objects.get().resumed_by == maria
