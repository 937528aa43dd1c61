"""The war room's first screen answers "what now?" on a laptop and on a phone: severity,
status, the lead, the public's wait, the next deadlines, what waits for approval and the
button to draft a statement are on screen without scrolling; the rest is one click away."""

import pytest
from playwright.sync_api import expect

from communications.messaging.services import messages as message_services
from teams import flows
from tests.communications.factories import SocialAccountFactory
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_what_now_is_on_the_first_screen(browser, live_server, width, height):
    boss = manager(username="boss", first_name="Deniz", last_name="Kaya")
    ali = responder(username="ali")
    incident = flows.incident_declare(
        actor=boss, title="Viral video claims a bad batch", severity=1
    )
    message = message_services.message_create(
        actor=ali, incident=incident, account=SocialAccountFactory(), body="We are checking."
    )
    message_services.message_submit(actor=ali, message=message)

    page = signed_in(browser, live_server, boss, width=width, height=height)
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")

    def on_first_screen(locator) -> None:
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= height, f"below the fold: {box}"

    on_first_screen(page.get_by_test_id("status"))
    on_first_screen(page.get_by_test_id("now-lead"))
    expect(page.get_by_test_id("now-lead")).to_contain_text("Deniz Kaya")
    on_first_screen(page.get_by_test_id("now-silence"))
    on_first_screen(page.get_by_test_id("now-deadlines"))
    on_first_screen(page.get_by_test_id("now-draft"))
    on_first_screen(page.get_by_test_id("now-waiting"))
    expect(page.get_by_test_id("now-waiting")).to_contain_text("0 of 2 approvals")
    if width > 1000:
        on_first_screen(page.get_by_test_id("now-latest"))
    folder = ARTIFACTS / f"war-room-first-screen-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "first-screen.png"))

    # The rest, one click away.
    page.get_by_test_id("war-room-nav").get_by_role("link", name="Checklist").click()
    expect(page.locator("#checklist-heading")).to_be_in_viewport()
    page.context.close()
