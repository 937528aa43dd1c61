"""Staff briefings from the war room: written like any message, sent once approved."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from communications.models import Message
from communications.services import approvals
from incidents.models import Incident
from teams import flows
from teams.models import Department, StaffBriefing
from tests.teams.factories import responder as responder_factory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def submit_url(incident) -> str:
    return reverse("communications:incident-briefing", kwargs={"reference": incident.reference})


def panel_url(incident) -> str:
    return reverse(
        "communications:incident-briefing-panel", kwargs={"reference": incident.reference}
    )


def declare(actor, **kwargs):
    return flows.incident_declare(actor=actor, title="Outage", severity=2, **kwargs)


def test_a_briefing_from_the_panel_waits_for_approval_then_reaches_everyone(
    client, responder, manager, django_capture_on_commit_callbacks
):
    incident = declare(manager)
    client.force_login(responder)
    response = client.post(
        submit_url(incident), {"text": "We are aware; PR speaks for us."}, **HTMX
    )
    assert response.status_code == 200
    assert "timeline-changed" in response["HX-Trigger"]
    assert 'data-testid="briefing-submitted"' in response.content.decode()
    message = Message.objects.get(kind=Message.Kind.STAFF_BRIEFING)
    assert message.status == Message.Status.PENDING_APPROVAL
    assert message.author == responder
    assert not StaffBriefing.objects.exists()
    assert "We are aware; PR speaks for us." in client.get(panel_url(incident)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=message)
    briefing = StaffBriefing.objects.get()
    assert briefing.recipient_count == get_user_model().objects.filter(is_active=True).count()
    assert f"{briefing.recipient_count} people" in client.get(panel_url(incident)).content.decode()


def test_a_drills_briefing_is_approved_and_sent_to_nobody(
    client, responder, manager, django_capture_on_commit_callbacks
):
    from teams.models import Notification, Reason

    incident = declare(manager, is_drill=True)
    client.force_login(responder)
    client.post(submit_url(incident), {"text": "Drill: we are aware."}, **HTMX)
    message = Message.objects.get(kind=Message.Kind.STAFF_BRIEFING)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert message.sandbox is True
    assert not StaffBriefing.objects.exists()
    assert not Notification.objects.filter(reason=Reason.STAFF_BRIEFING).exists()
    assert incident.events.filter(text__contains="sent to nobody").exists()


def test_chosen_departments_and_bad_input_from_the_panel(client, responder, manager):
    legal, _ = Department.objects.get_or_create(name="Legal")
    responder_factory(username="counsel", department=legal)
    incident = declare(manager)
    client.force_login(responder)
    form = client.get(panel_url(incident)).content.decode()
    assert f'name="departments" value="{legal.pk}"' in form
    client.post(submit_url(incident), {"text": "Legal only", "departments": [legal.pk]}, **HTMX)
    message = Message.objects.get()
    assert list(message.briefing_departments.all()) == [legal]
    empty = Department.objects.create(name="Nobody here")
    for bad in (
        {"departments": ["x"]},
        {"departments": [999_999]},
        {"text": ""},
        {"departments": [empty.pk]},
    ):
        response = client.post(submit_url(incident), {"text": "x", **bad}, **HTMX)
        assert response.status_code == 200
        assert "HX-Trigger" not in response
    assert Message.objects.count() == 1


def test_a_reader_gets_no_form_and_cannot_submit(client, reader, manager):
    incident = declare(manager)
    client.force_login(reader)
    assert 'data-testid="briefing-form"' not in client.get(panel_url(incident)).content.decode()
    response = client.post(submit_url(incident), {"text": "Hi"})
    assert response.status_code == 302
    assert not Message.objects.exists()


def test_the_war_room_shows_the_briefing_panel(client, manager):
    incident = declare(manager)
    client.force_login(manager)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-testid="briefing-panel"' in page
    assert 'data-testid="briefing-form"' in page


def test_unknown_incidents_are_not_found(client, manager):
    client.force_login(manager)
    fake = Incident(reference="INC-1999-0001")
    assert client.get(panel_url(fake)).status_code == 404
    assert client.post(submit_url(fake), {"text": "x"}).status_code == 404
