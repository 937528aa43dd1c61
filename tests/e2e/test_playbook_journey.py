import pytest
from playwright.sync_api import Page, expect

from communications.messaging.services import statements
from communications.messaging.services.playbooks import playbook_write
from incidents.models import Incident
from teams.models import Playbook, Role
from tests.communications.factories import SandboxAccountFactory, TemplateFactory
from tests.teams.factories import StakeholderGroupFactory, manager

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_declares_from_a_playbook_finds_its_words_then_stops_publishing(
    page: Page, live_server, log_in, shoot
):
    maria = manager(username="maria", first_name="Maria", last_name="Kaya")
    legal = manager(username="lena", first_name="Lena", last_name="Law")
    SandboxAccountFactory.create(handle="brand")
    holding = statements.template_approve(
        actor=legal,
        template=TemplateFactory.create(
            name="Holding statement: product safety",
            body="We have seen the reports about {title} and are testing samples now.",
        ),
    )
    StakeholderGroupFactory(name="Regulators")
    playbook_write(
        actor=maria,
        name="Product safety rumour",
        category="product_quality",
        severity_hint=2,
        scenario="A post claims one of our products made someone ill.",
        first_steps="1. **Do not confirm or deny** until quality has the facts.",
        checklist=[
            {"title": "Confirm the facts with quality and the lab", "due_minutes": 15},
            {"title": "Publish the holding statement", "due_minutes": 30},
        ],
        roles=[Role.objects.get(pk=Role.LEGAL_REVIEWER)],
        stakeholders=[],
        templates=[holding],
    )

    log_in("maria")
    page.get_by_role("button", name="Team").click()
    page.get_by_role("link", name="Playbooks").click()
    page.get_by_role("link", name="Product safety rumour").click()
    expect(page.get_by_test_id("first-steps")).to_contain_text("Do not confirm or deny")
    shoot("playbook")
    page.get_by_test_id("declare-from-playbook").click()
    expect(page.get_by_label("Playbook")).to_have_value(str(Playbook.objects.get().pk))
    page.get_by_label("Title").fill("Video says our juice made children ill")
    shoot("declare")
    page.get_by_role("button", name="Declare", exact=True).click()

    incident = Incident.objects.get()
    expect(page).to_have_url(f"{live_server.url}{incident.get_absolute_url()}")
    parts = page.get_by_test_id("war-room-nav")
    parts.get_by_role("link", name="Checklist").click()
    checklist = page.locator("#checklist-panel")
    expect(checklist).to_contain_text("Confirm the facts with quality and the lab")
    expect(checklist).to_contain_text("Publish the holding statement")
    expect(checklist).to_contain_text("Staff the role Legal reviewer")
    parts.get_by_role("link", name="Playbook").click()
    panel = page.get_by_test_id("playbook-panel")
    expect(panel).to_contain_text("Product safety rumour")
    expect(panel).to_contain_text("version 1")
    shoot("war-room")

    panel.get_by_role("link", name="Holding statement: product safety").click()
    offers = page.get_by_test_id("playbook-offers")
    expect(offers).to_contain_text("Holding statement: product safety")
    # The incident's working title is never put into public words: {title} is left to fill.
    expect(page.locator("#id_body")).to_have_value(
        "We have seen the reports about {title} and are testing samples now."
    )
    shoot("composer")

    page.get_by_test_id("pause-switch").click()
    form = page.get_by_test_id("pause-form")
    form.get_by_label("Why").fill("Nothing goes out until legal has read the statement")
    form.get_by_role("button", name="Pause now").click()
    page.get_by_role("link", name="Incidents", exact=True).click()
    banner = page.get_by_test_id("pause-banner")
    expect(banner).to_contain_text("Nothing goes out until legal has read the statement")
    expect(banner).to_contain_text("Maria Kaya")
    shoot("banner")
