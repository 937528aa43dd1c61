"""Who may make an incident less severe (teams.flows.incident_update): lowering a severity
lowers the bar for approvals and slows the whole response schedule, so it is the crisis lead's
or a manager's decision, with a reason on the timeline. Anyone who may edit may raise it."""

import pytest
from django.urls import reverse

from communications import flows as communication_flows
from config.errors import ApplicationError, NotPermitted
from incidents.models import TimelineEvent
from teams import flows

pytestmark = pytest.mark.django_db


def sev1(lead):
    return flows.incident_declare(actor=lead, title="Recall rumour", severity=1)


def test_a_responder_who_does_not_lead_cannot_lower_a_sev1(responder, responder2):
    incident = sev1(responder2)
    with pytest.raises(NotPermitted, match="Only the crisis lead or a manager"):
        communication_flows.incident_update(
            actor=responder, incident=incident, severity=4, reason="Looks small"
        )
    incident.refresh_from_db()
    assert incident.severity == 1


def test_the_crisis_lead_lowers_it_with_a_reason_on_the_timeline(responder):
    incident = sev1(responder)
    with pytest.raises(ApplicationError, match="Say why") as refused:
        communication_flows.incident_update(actor=responder, incident=incident, severity=3)
    assert refused.value.field == "reason"
    communication_flows.incident_update(
        actor=responder, incident=incident, severity=3, reason="Only one batch, contained"
    )
    incident.refresh_from_db()
    assert incident.severity == 3
    line = TimelineEvent.objects.get(incident=incident, kind=TimelineEvent.Kind.SEVERITY)
    assert line.text == "Severity SEV1 → SEV3 — Only one batch, contained"
    assert line.data["reason"] == "Only one batch, contained"


def test_a_manager_lowers_any_incident_and_anyone_who_edits_may_raise_one(
    responder, responder2, manager
):
    incident = flows.incident_declare(actor=responder2, title="Small thing", severity=3)
    communication_flows.incident_update(actor=responder, incident=incident, severity=1)
    communication_flows.incident_update(
        actor=manager, incident=incident, severity=4, reason="A false alarm in the end"
    )
    incident.refresh_from_db()
    assert incident.severity == 4


def test_the_edit_page_and_the_api_say_who_may_lower_and_why(client, api_as, responder, responder2):
    incident = sev1(responder2)
    client.force_login(responder)
    response = client.post(
        reverse("desk:edit", kwargs={"reference": incident.reference}),
        {
            "title": incident.title,
            "severity": "4",
            "category": incident.category,
            "source": incident.source,
            "summary": "",
            "tags": "",
            "reason": "Looks small",
        },
    )
    assert response.status_code == 200
    assert "Only the crisis lead or a manager" in response.content.decode()
    answer = api_as(responder).patch(
        f"/api/v1/incidents/{incident.pk}/", {"severity": 4}, format="json"
    )
    assert answer.status_code == 403
    answer = api_as(responder2).patch(
        f"/api/v1/incidents/{incident.pk}/", {"severity": 4}, format="json"
    )
    assert answer.status_code == 400
    assert "reason" in answer.json()
    answer = api_as(responder2).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"severity": 4, "reason": "Contained"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["severity"] == 4
