"""The war room's roles panel: assign, hand over, relieve, suggestions from the roster."""

import pytest
from django.urls import reverse

from incidents.models import WarRoomPart
from teams import flows
from teams import services as team_services
from teams.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Outage", severity=2)


def url(name, incident, **kwargs):
    namespace = "incidents:" if name == "detail" else "teams:incident-"
    return reverse(f"{namespace}{name}", kwargs={"reference": incident.reference, **kwargs})


def lead_of(incident):
    return RoleAssignment.objects.get(
        incident=incident, role_id=Role.CRISIS_LEAD, relieved_at__isnull=True
    ).person


def test_the_war_room_shows_the_crisis_lead(client, reader, incident):
    client.force_login(reader)
    html = client.get(incident.part_url(WarRoomPart.ROLES)).content.decode()
    assert 'data-testid="holder-crisis_lead"' in html
    assert str(lead_of(incident)) in html
    assert 'data-testid="role-form"' not in html  # a reader cannot staff


def test_a_manager_hands_the_lead_over_from_the_panel(client, manager, responder, incident):
    client.force_login(manager)
    response = client.post(
        url("role-assign", incident), {"role": "crisis_lead", "person": responder.pk}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    assert lead_of(incident) == responder
    assert str(responder) in response.content.decode()


def test_the_lead_can_staff_and_relieve(client, manager, responder, responder2, incident):
    team_services.role_assign(
        actor=manager,
        incident=incident,
        role=Role.objects.get(slug=Role.CRISIS_LEAD),
        person=responder,
    )
    client.force_login(responder)
    client.post(url("role-assign", incident), {"role": "scribe", "person": responder2.pk}, **HTMX)
    scribe = RoleAssignment.objects.get(incident=incident, role_id="scribe")
    assert scribe.person == responder2
    client.post(url("role-relieve", incident, assignment_id=scribe.pk), **HTMX)
    scribe.refresh_from_db()
    assert scribe.relieved_by == responder


def test_refusals_are_shown_in_the_panel(client, manager, incident):
    client.force_login(manager)
    lead = RoleAssignment.objects.get(incident=incident)
    response = client.post(url("role-relieve", incident, assignment_id=lead.pk), **HTMX)
    assert "hand the role over" in response.content.decode()
    response = client.post(url("role-assign", incident), {"role": "nope", "person": 1}, **HTMX)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_a_responder_who_does_not_lead_cannot_staff(client, responder, responder2, incident):
    client.force_login(responder)
    response = client.post(
        url("role-assign", incident), {"role": "scribe", "person": responder2.pk}, **HTMX
    )
    assert "does not allow" in response.content.decode()
    assert not RoleAssignment.objects.filter(role_id="scribe").exists()


def test_suggestions_come_from_the_roster(client, manager, responder, incident):
    team_services.roster_add(
        actor=manager,
        role=Role.objects.get(slug="legal_reviewer"),
        person=responder,
        kind="primary",
    )
    client.force_login(manager)
    html = client.get(url("roles", incident)).content.decode()
    assert f'name="person" value="{responder.pk}"' in html
    assert "Legal reviewer" in html
