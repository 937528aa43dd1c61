"""A written postmortem, shared by the export and page tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, Status, TimelineEvent
from postmortems import flows, services
from postmortems.models import ActionItem, Postmortem
from teams import flows as team_flows
from tests.communications.factories import InboundPostFactory, SocialAccountFactory


def resolved(actor, *, title: str = "Recall rumour") -> Incident:
    incident = team_flows.incident_declare(actor=actor, title=title, severity=1)
    flows.incident_transition(actor=actor, incident=incident, to=Status.RESPONDING)
    return flows.incident_transition(actor=actor, incident=incident, to=Status.RESOLVED)


@pytest.fixture
def postmortem(manager, responder) -> Postmortem:
    """A written draft: sections, five whys, an action item, a key event, mentions before and
    during the incident."""
    incident = resolved(manager)
    account = SocialAccountFactory()
    now = timezone.now()
    for days_before in range(1, 11):
        InboundPostFactory.create_batch(
            2, account=account, posted_at=incident.detected_at - timedelta(days=days_before)
        )
    InboundPostFactory.create_batch(5, account=account, incident=incident, posted_at=now)
    InboundPostFactory.create_batch(
        3, account=account, incident=incident, posted_at=now - timedelta(hours=3)
    )
    postmortem = Postmortem.objects.get(incident=incident)
    services.postmortem_update(
        actor=responder,
        postmortem=postmortem,
        summary="A **false** recall rumour | spread for six hours.",
        impact="Sales dipped in two regions.",
        root_cause="A doctored screenshot.",
        root_cause_category="rumour",
        five_whys=["A fake screenshot", "Nobody checked the source"],
    )
    services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Train the desk on verification",
        owner=responder,
        due_date=timezone.localdate() + timedelta(days=14),
        kind=ActionItem.Kind.TRAINING,
        priority=ActionItem.Priority.HIGH,
        follow_up_url="https://tracker.example/T-12",
    )
    declared = incident.events.get(kind=TimelineEvent.Kind.DECLARED)
    services.key_event_set(actor=responder, postmortem=postmortem, event=declared, key=True)
    postmortem.refresh_from_db()
    return postmortem
