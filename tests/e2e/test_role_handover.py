import re

import pytest
from playwright.sync_api import Page, expect

from teams import flows
from teams.models import Role, RoleAssignment
from tests.teams.factories import manager, responder

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_hands_the_lead_to_a_responder_who_is_notified(
    page: Page, live_server, log_in, shoot
):
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    ali = responder(username="ali", first_name="Ali", last_name="Demir")
    incident = flows.incident_declare(
        actor=maria, title="Viral video claims a contaminated batch", severity=1
    )

    log_in("maria")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.get_by_test_id("now-lead")).to_contain_text("Maria Kaya")
    page.get_by_test_id("war-room-nav").get_by_role("link", name="Roles").click()
    expect(page.get_by_test_id("holder-crisis_lead")).to_contain_text("Maria Kaya")
    page.get_by_text("Assign or hand over a role").click()
    form = page.get_by_test_id("role-form")
    form.get_by_label("Role").select_option("crisis_lead")
    form.get_by_label("Person").select_option(label="Ali Demir")
    shoot("handover-form")
    form.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("holder-crisis_lead")).to_contain_text("Ali Demir")
    # The first screen refreshed itself with the handover.
    expect(page.get_by_test_id("now-lead")).to_contain_text("Ali Demir")
    expect(page.get_by_test_id("now-latest")).to_contain_text(
        "Crisis lead handed over from Maria Kaya to Ali Demir"
    )
    shoot("handed-over")
    assert (
        RoleAssignment.objects.get(
            incident=incident, role_id=Role.CRISIS_LEAD, relieved_at__isnull=True
        ).person
        == ali
    )

    page.context.clear_cookies()
    log_in("ali")
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    shoot("responder-dashboard")
    page.locator("a[href='/notifications/']").first.click()
    expect(page.locator("body")).to_contain_text(f"{incident.reference}: you are Crisis lead")
    shoot("notifications")
    page.get_by_role("link", name=re.compile("you are Crisis lead")).first.click()
    expect(page).to_have_url(
        re.compile(rf"/incidents/{incident.reference}/\?part=roles#war-room-parts$")
    )
    expect(page.get_by_test_id("holder-crisis_lead")).to_contain_text("Ali Demir")
    expect(page.get_by_test_id("unread-count")).to_be_hidden()
    shoot("responder-war-room")
