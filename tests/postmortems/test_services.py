"""The postmortem's lifecycle, its frozen facts and its action items on the response
schedule."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.errors import ApplicationError, Conflict, NotPermitted
from incidents.models import Status, TimelineEvent
from postmortems import flows, services
from postmortems.models import ActionItem, Postmortem, PostmortemRevision
from teams import flows as team_flows
from teams.models import Deadline

pytestmark = pytest.mark.django_db


def resolved(manager, severity=2):
    incident = team_flows.incident_declare(actor=manager, title="Recall rumour", severity=severity)
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    return flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)


def test_resolving_starts_a_draft_owned_by_the_crisis_lead_with_a_review_deadline(manager):
    incident = resolved(manager)
    postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.status == Postmortem.Status.DRAFT
    assert postmortem.owner == manager
    review = Deadline.objects.get(kind=Deadline.Kind.POSTMORTEM_REVIEW, met_at=None)
    assert review.owner == manager
    assert review.due_at - postmortem.created_at >= timedelta(days=3)
    # Reopened and resolved again: still one postmortem.
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    assert Postmortem.objects.filter(incident=incident).count() == 1


def test_draft_review_publish_and_correction_keep_every_published_revision(
    manager, manager2, responder
):
    postmortem = Postmortem.objects.get(incident=resolved(manager))
    services.postmortem_update(
        actor=responder,
        postmortem=postmortem,
        summary="A false recall rumour spread for six hours.",
        root_cause_category="rumour",
        five_whys=["Why 1", " ", "Why 2"],
    )
    postmortem.refresh_from_db()
    assert postmortem.five_whys == ["Why 1", "Why 2"]
    with pytest.raises(Conflict):
        services.postmortem_publish(actor=manager, postmortem=postmortem)  # not reviewed
    services.postmortem_submit_review(actor=responder, postmortem=postmortem, reviewers=[manager2])
    services.review_comment_add(actor=manager2, postmortem=postmortem, text="Add the timeline.")
    with pytest.raises(NotPermitted):
        services.postmortem_publish(actor=responder, postmortem=postmortem)
    services.postmortem_publish(actor=manager, postmortem=postmortem)
    postmortem.refresh_from_db()
    assert postmortem.is_published
    assert postmortem.facts["time_to_acknowledge_seconds"] is not None
    assert not Deadline.objects.filter(kind=Deadline.Kind.POSTMORTEM_REVIEW, met_at=None).exists()
    with pytest.raises(Conflict):
        services.postmortem_update(actor=responder, postmortem=postmortem, summary="Changed")
    services.postmortem_correct(actor=manager, postmortem=postmortem, reason="Wrong time")
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.revision) == (Postmortem.Status.DRAFT, 2)
    first = PostmortemRevision.objects.get(postmortem=postmortem, number=1)
    assert first.correction == "Wrong time"
    assert first.content["sections"]["summary"].startswith("A false recall")
    assert (
        TimelineEvent.objects.filter(
            incident=postmortem.incident, kind=TimelineEvent.Kind.POSTMORTEM
        ).count()
        == 4
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "x" * 20_001}, "summary"),
        ({"summary": "nul\x00"}, "summary"),
        ({"root_cause_category": "aliens"}, "root_cause_category"),
        ({"five_whys": "just one"}, "five_whys"),
        ({"five_whys": [str(n) for n in range(8)]}, "five_whys"),
        ({"owner": 1}, "owner"),
    ],
)
def test_bad_sections_name_their_field_and_change_nothing(manager, changes, field):
    postmortem = Postmortem.objects.get(incident=resolved(manager))
    with pytest.raises(ApplicationError) as error:
        services.postmortem_update(actor=manager, postmortem=postmortem, **changes)
    assert error.value.field == field


def test_a_reader_writes_nothing(manager, reader):
    postmortem = Postmortem.objects.get(incident=resolved(manager))
    with pytest.raises(NotPermitted):
        services.postmortem_update(actor=reader, postmortem=postmortem, summary="x")


def test_closing_a_sev2_needs_the_published_postmortem_or_a_waiver(manager, manager2):
    incident = resolved(manager, severity=2)
    with pytest.raises(ApplicationError) as error:
        flows.incident_transition(actor=manager, incident=incident, to=Status.CLOSED)
    assert error.value.field == "waiver"
    postmortem = Postmortem.objects.get(incident=incident)
    services.postmortem_update(actor=manager, postmortem=postmortem, summary="Done.")
    services.postmortem_submit_review(actor=manager, postmortem=postmortem, reviewers=[manager2])
    services.postmortem_publish(actor=manager2, postmortem=postmortem)
    incident = flows.incident_transition(actor=manager, incident=incident, to=Status.CLOSED)
    assert incident.status == Status.CLOSED


def test_an_action_item_is_a_deadline_of_its_owner(manager, responder):
    postmortem = Postmortem.objects.get(incident=resolved(manager))
    due = timezone.localdate() + timedelta(days=7)
    item = services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Pre-approve a recall holding statement",
        owner=responder,
        due_date=due,
        kind=ActionItem.Kind.PREVENT,
    )
    deadline = Deadline.objects.get(
        kind=Deadline.Kind.ACTION_ITEM, subject=f"action-item:{item.pk}"
    )
    assert deadline.owner == responder
    assert timezone.localdate(deadline.due_at) == due
    assert not item.is_overdue()
    with time_machine.travel(deadline.due_at + timedelta(days=1), tick=False):
        assert item.is_overdue()
    services.action_item_update(actor=responder, item=item, status=ActionItem.Status.DONE)
    deadline.refresh_from_db()
    assert deadline.met_at is not None
    item.refresh_from_db()
    assert item.closed_at is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"owner": None}, "owner"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"kind": "pray"}, "kind"),
        ({"priority": "urgent"}, "priority"),
        ({"follow_up_url": "javascript:alert(1)"}, "follow_up_url"),
    ],
)
def test_bad_action_items_name_their_field(manager, responder, changes, field):
    postmortem = Postmortem.objects.get(incident=resolved(manager))
    fields = {
        "title": "Train the night shift",
        "owner": responder,
        "due_date": timezone.localdate() + timedelta(days=3),
        "kind": ActionItem.Kind.TRAINING,
    } | changes
    with pytest.raises(ApplicationError) as error:
        services.action_item_add(actor=manager, postmortem=postmortem, **fields)
    assert error.value.field == field
