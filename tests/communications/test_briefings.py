"""Staff briefings from the war room: written like any message, sent once approved."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import strip_tags

from communications.messaging.services import approvals
from communications.models import Message
from incidents.models import Incident, WarRoomPart
from teams import flows
from teams.models import Delivery, Department, StaffBriefing
from teams.stakeholders.services import staff_briefing_fan_out
from tests.teams.factories import responder as responder_factory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def submit_url(incident) -> str:
    return reverse("communications:incident-briefing", kwargs={"reference": incident.reference})


def panel_url(incident) -> str:
    return reverse(
        "communications:incident-briefing-panel", kwargs={"reference": incident.reference}
    )


def html_of(response, testid: str) -> str:
    """The text of the div with this data-testid, its spaces tidied."""
    [inner] = re.findall(
        rf'<div[^>]*data-testid="{testid}"[^>]*>(.*?)</div>', response.content.decode(), re.S
    )
    return " ".join(strip_tags(inner).split())


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


def test_the_panel_says_how_far_a_briefing_has_got(
    client, responder, manager, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_BRIEFING_CHUNK = 2
    incident = declare(manager)
    client.force_login(responder)
    client.post(submit_url(incident), {"text": "We are aware; PR speaks for us."}, **HTMX)
    message = Message.objects.get(kind=Message.Kind.STAFF_BRIEFING)
    with django_capture_on_commit_callbacks() as approved:
        approvals.message_approve(actor=manager, message=message)
    with django_capture_on_commit_callbacks():  # sent: the briefing's chunks not run yet
        for publish in approved:
            publish()
    briefing = StaffBriefing.objects.get()
    people = briefing.recipient_count
    progress = html_of(client.get(panel_url(incident)), "briefing-progress")
    assert f"to be delivered to {people} people" in client.get(panel_url(incident)).text
    assert progress == (
        f"0 of {people} notified in Crisis Desk so far · "
        "by email and chat: 0 delivered, 0 pending, 0 failed"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the chunks, then the emails
        staff_briefing_fan_out(briefing_id=briefing.pk, after=0)
    sent = Delivery.objects.filter(notification__subject=f"staff-briefing:{briefing.pk}")
    assert sent.count() == people
    failed, pending = sent.order_by("pk")[:2]
    Delivery.objects.filter(pk=failed.pk).update(status=Delivery.Status.FAILED)
    Delivery.objects.filter(pk=pending.pk).update(status=Delivery.Status.PENDING)
    assert html_of(client.get(panel_url(incident)), "briefing-progress") == (
        f"{people} notified in Crisis Desk · "
        f"by email and chat: {people - 2} delivered, 1 pending, 1 failed"
    )


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
    page = client.get(incident.part_url(WarRoomPart.BRIEFING)).content.decode()
    assert 'data-testid="briefing-panel"' in page
    assert 'data-testid="briefing-form"' in page


def test_unknown_incidents_are_not_found(client, manager):
    client.force_login(manager)
    fake = Incident(reference="INC-1999-0001")
    assert client.get(panel_url(fake)).status_code == 404
    assert client.post(submit_url(fake), {"text": "x"}).status_code == 404
