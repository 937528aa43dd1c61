"""The war room's first screen, "Now": who leads, the public's wait, the next deadlines (the
viewer's own first), what waits for approval with its count, one button to draft a statement
(the playbook's holding statement when it offers one) and the latest timeline lines."""

import pytest
from django.core.cache import cache

from communications.messaging.services import approvals, statements
from communications.messaging.services import messages as message_services
from communications.messaging.services.playbooks import playbook_write
from incidents import live
from incidents import services as incident_services
from teams import flows
from tests.communications.factories import SocialAccountFactory, TemplateFactory
from tests.teams.factories import declared_for

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def now_of(page: str) -> str:
    return page.split('id="live-now"')[1].split("</section>")[0]


def test_the_first_screen_says_what_to_do_next(client, manager, manager2, responder):
    holding = statements.template_approve(
        actor=manager2, template=TemplateFactory(name="Batch holding statement")
    )
    playbook = playbook_write(
        actor=manager,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post claims one of our products hurt someone.",
        severity_hint=1,
        checklist=[{"title": "Call the lab", "due_minutes": 30}],
        templates=[holding],
    ).playbook
    incident = flows.incident_declare(
        actor=manager, title="Batch rumour", severity=1, playbook=playbook
    )
    incident_services.incident_note_add(actor=manager, incident=incident, text="Lab called back.")
    message = message_services.message_create(
        actor=responder, incident=incident, account=SocialAccountFactory(), body="We are on it."
    )
    message_services.message_submit(actor=responder, message=message)
    # A deadline of the responder's own, due later than the manager's.
    flows.checklist_item_update(
        actor=manager, item=incident.checklist.get(title="Call the lab"), assignee=responder
    )

    client.force_login(responder)
    now = now_of(html(client.get(incident.get_absolute_url())))
    assert f"Crisis lead: <strong>{manager}</strong>" in now
    assert "Public silence, no statement yet" in now
    assert "0 of 2 approvals" in now  # SEV1: two approvers
    assert "We are on it." in now
    assert f"template={holding.pk}" in now
    assert "Draft the holding statement" in now
    assert "Lab called back." in now
    deadlines = now.split('data-testid="now-deadlines"')[1].split("</ul>")[0]
    # The responder's own deadline first, though the first statement is due sooner.
    assert deadlines.index("Call the lab") < deadlines.index("first public statement")
    assert deadlines.count(">yours<") == 1


def test_a_reader_sees_the_first_screen_without_a_draft_button(client, reader, responder):
    incident = declared_for(responder, title="Quiet rumour", severity=3)
    client.force_login(reader)
    now = now_of(html(client.get(incident.get_absolute_url())))
    assert "now-draft" not in now
    assert "Nothing is waiting for approval." in now
    assert "yours" not in now


def test_without_a_playbook_the_button_drafts_a_statement(client, responder):
    incident = flows.incident_declare(actor=responder, title="Rumour", severity=2)
    client.force_login(responder)
    now = now_of(html(client.get(incident.get_absolute_url())))
    assert "Draft a statement" in now
    assert "template=" not in now


def test_only_approvals_that_count_are_counted_on_the_first_screen(
    client, manager, manager2, responder
):
    incident = flows.incident_declare(actor=manager, title="Recall rumour", severity=1)
    message = message_services.message_create(
        actor=responder, incident=incident, account=SocialAccountFactory(), body="We hear you."
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager2, message=message)
    client.force_login(responder)
    assert "1 of 2 approvals" in now_of(html(client.get(incident.get_absolute_url())))

    # Whoever may no longer approve no longer counts, on the first screen as at the gate: a
    # change of rights announces itself to no page, so it shows once the viewers' shared read
    # of this version (live.REMEMBER_SECONDS) is over.
    manager2.groups.clear()
    key = live.incident_key(incident.pk)
    cache.delete(f"{live.PREFIX}{key}@{cache.get(live.PREFIX + key)}:now")
    assert "0 of 2 approvals" in now_of(html(client.get(incident.get_absolute_url())))
