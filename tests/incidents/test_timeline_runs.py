"""The timeline in runs: events of one kind by one person written together (a playbook's
checklist items) show as one line that opens; everything else one by one, in order."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import selectors, services
from incidents.models import TimelineEvent
from teams import flows

pytestmark = pytest.mark.django_db


def test_events_written_together_are_one_run_and_the_rest_stay_apart(responder, manager):
    incident = flows.incident_declare(actor=responder, title="Recall rumour", severity=3)
    for n in range(4):
        flows.checklist_item_add(actor=responder, incident=incident, title=f"Step {n}")
    services.incident_note_add(actor=responder, incident=incident, text="Legal called.")
    flows.checklist_item_add(actor=manager, incident=incident, title="Another's")
    runs = selectors.timeline_runs(selectors.incident_timeline(incident=incident))
    sizes = [len(run) for run in runs]
    assert 4 in sizes  # the four items, one run
    four = next(run for run in runs if len(run) == 4)
    assert {event.kind for event in four} == {TimelineEvent.Kind.CHECKLIST}
    assert sum(sizes) == incident.events.count()  # nothing lost, nothing twice
    flat = [event.pk for run in runs for event in run]
    assert flat == list(selectors.incident_timeline(incident=incident).values_list("pk", flat=True))


def test_two_alike_or_apart_in_time_are_not_a_run(responder):
    incident = flows.incident_declare(actor=responder, title="Recall rumour", severity=3)
    for n in range(2):
        flows.checklist_item_add(actor=responder, incident=incident, title=f"Step {n}")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        flows.checklist_item_add(actor=responder, incident=incident, title="Later")
    runs = selectors.timeline_runs(selectors.incident_timeline(incident=incident))
    assert all(len(run) == 1 for run in runs)


def test_the_war_room_shows_a_run_as_one_line_that_opens(client, responder):
    incident = flows.incident_declare(actor=responder, title="Recall rumour", severity=3)
    for n in range(5):
        flows.checklist_item_add(actor=responder, incident=incident, title=f"Step {n}")
    client.force_login(responder)
    page = client.get(reverse("incidents:detail", args=[incident.reference])).content.decode()
    assert page.count('data-testid="timeline-run"') == 1
    assert "5 Checklist events written together" in page
    assert all(f"Step {n}" in page for n in range(5))  # each still there when opened
