"""Triage rules: every decision by someone who may triage, no reply only with a reason,
replied only by publishing or with the reply's link, every change of a linked mention on its
incident's timeline, escalation reaching the crisis lead."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from communications.listening.mentions import services
from communications.listening.mentions.x_reader import FoundPost
from communications.models import InboundPost
from config.errors import ApplicationError, NotPermitted
from incidents.models import Status, TimelineEvent
from teams import flows
from teams.models import Deadline, Notification, Reason, ResponsePolicy, Role, RosterMember
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    SocialAccountFactory,
)
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
T = InboundPost.Triage


@pytest.fixture
def mention():
    return InboundPostFactory(author_handle="angry_customer", author_followers=2_000)


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Kettle recall", severity=2)


def mention_events(incident):
    return list(incident.events.filter(kind=TimelineEvent.Kind.MENTION).order_by("at", "id"))


# --- who may decide -------------------------------------------------------------------------


def test_a_reader_may_not_triage_assign_or_link(reader, mention, incident):
    with pytest.raises(NotPermitted):
        services.mention_triage(actor=reader, mention=mention, status=T.NEEDS_REPLY)
    with pytest.raises(NotPermitted):
        services.mention_assign(actor=reader, mention=mention, assignee=reader)
    with pytest.raises(NotPermitted):
        services.mention_link(actor=reader, mention=mention, incident=incident)
    mention.refresh_from_db()
    assert (mention.triage, mention.assignee, mention.incident) == (T.NEW, None, None)


@pytest.mark.parametrize("role", ["responder", "manager"])
def test_responders_and_managers_triage(request, role, mention):
    actor = request.getfixturevalue(role)

    services.mention_triage(actor=actor, mention=mention, status=T.NEEDS_REPLY)

    mention.refresh_from_db()
    assert mention.triage == T.NEEDS_REPLY
    assert mention.triaged_by == actor
    assert mention.triaged_at is not None


# --- the decisions --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_reply_needs_a_reason(responder, mention, reason):
    with pytest.raises(ApplicationError) as refused:
        services.mention_triage(actor=responder, mention=mention, status=T.NO_REPLY, reason=reason)

    assert refused.value.field == "reason"
    mention.refresh_from_db()
    assert mention.triage == T.NEW


def test_no_reply_with_a_reason_is_recorded(responder, mention):
    services.mention_triage(
        actor=responder, mention=mention, status=T.NO_REPLY, reason="Spam account"
    )

    mention.refresh_from_db()
    assert (mention.triage, mention.triage_reason) == (T.NO_REPLY, "Spam account")


def test_the_database_refuses_no_reply_without_a_reason(mention):
    with pytest.raises(IntegrityError):
        InboundPost.objects.filter(pk=mention.pk).update(triage=T.NO_REPLY, triage_reason="")


def test_replied_only_with_the_link_of_the_reply(responder, mention):
    with pytest.raises(ApplicationError) as refused:
        services.mention_triage(actor=responder, mention=mention, status=T.REPLIED)
    assert refused.value.field == "reply_url"
    with pytest.raises(ApplicationError):
        services.mention_triage(
            actor=responder, mention=mention, status=T.REPLIED, reply_url="https://example.com/"
        )

    services.mention_triage(
        actor=responder,
        mention=mention,
        status=T.REPLIED,
        reply_url="https://x.com/brand/status/1880000000000000001",
    )

    mention.refresh_from_db()
    assert mention.triage == T.REPLIED
    assert "https://x.com/brand/status/1880000000000000001" in mention.triage_reason


@pytest.mark.parametrize("status", [T.NEW, "done", ""])
def test_only_a_real_decision_is_taken(responder, mention, status):
    services.mention_triage(actor=responder, mention=mention, status=T.NEEDS_REPLY)

    with pytest.raises(ApplicationError) as refused:
        services.mention_triage(actor=responder, mention=mention, status=status)

    assert refused.value.field == "status"


def test_a_long_reason_is_refused_not_truncated(responder, mention):
    with pytest.raises(ApplicationError) as refused:
        services.mention_triage(
            actor=responder, mention=mention, status=T.NO_REPLY, reason="x" * 301
        )
    assert refused.value.field == "reason"


# --- the timeline ---------------------------------------------------------------------------


def test_linking_writes_the_mention_on_the_incidents_timeline(responder, mention, incident):
    services.mention_link(actor=responder, mention=mention, incident=incident)

    mention.refresh_from_db()
    assert mention.incident == incident
    [event] = mention_events(incident)
    assert event.actor == responder
    assert event.data["mention"] == mention.pk
    assert "@angry_customer" in event.text
    assert mention.text in event.text


def test_every_triage_change_of_a_linked_mention_is_on_the_timeline(
    responder, responder2, mention, incident
):
    services.mention_link(actor=responder, mention=mention, incident=incident)
    services.mention_assign(actor=responder, mention=mention, assignee=responder2)
    services.mention_triage(actor=responder2, mention=mention, status=T.NEEDS_REPLY)
    services.mention_triage(actor=responder2, mention=mention, status=T.NEEDS_REPLY)  # no-op
    services.mention_triage(
        actor=responder2, mention=mention, status=T.NO_REPLY, reason="Answered by DM"
    )

    events = mention_events(incident)
    assert len(events) == 4
    assert [e.data.get("triage") for e in events] == [T.NEW, T.NEW, T.NEEDS_REPLY, T.NO_REPLY]
    assert events[-1].data["before"] == T.NEEDS_REPLY
    assert "Answered by DM" in events[-1].text


def test_moving_a_mention_to_another_incident_is_on_both_timelines(
    responder, manager, mention, incident
):
    other = flows.incident_declare(actor=manager, title="Delivery delays", severity=3)
    services.mention_link(actor=responder, mention=mention, incident=incident)

    services.mention_link(actor=responder, mention=mention, incident=other)

    assert len(mention_events(incident)) == 2
    assert other.reference in mention_events(incident)[-1].text
    [linked] = mention_events(other)
    assert linked.data["previous"] == incident.reference


@pytest.mark.parametrize("status", [Status.CLOSED, Status.DECLINED])
def test_a_mention_is_not_linked_to_a_finished_incident(responder, mention, status):
    finished = IncidentFactory(status=status)

    with pytest.raises(ApplicationError) as refused:
        services.mention_link(actor=responder, mention=mention, incident=finished)

    assert refused.value.field == "incident"
    assert not finished.events.exists()


def test_an_unlinked_mention_writes_no_timeline(responder, mention):
    services.mention_triage(actor=responder, mention=mention, status=T.NEEDS_REPLY)

    assert not TimelineEvent.objects.filter(kind=TimelineEvent.Kind.MENTION).exists()


# --- assigning ------------------------------------------------------------------------------


def test_assign_to_someone_who_may_triage(responder, responder2, reader, mention):
    with pytest.raises(ApplicationError) as refused:
        services.mention_assign(actor=responder, mention=mention, assignee=reader)
    assert refused.value.field == "assignee"

    services.mention_assign(actor=responder, mention=mention, assignee=responder2)
    mention.refresh_from_db()
    assert mention.assignee == responder2

    services.mention_assign(actor=responder, mention=mention, assignee=None)
    mention.refresh_from_db()
    assert mention.assignee is None


# --- escalation -----------------------------------------------------------------------------


def test_escalation_notifies_the_incidents_crisis_lead(responder, manager, mention, incident):
    services.mention_link(actor=responder, mention=mention, incident=incident)

    services.mention_triage(
        actor=responder, mention=mention, status=T.ESCALATED, reason="A journalist"
    )

    [note] = Notification.objects.filter(reason=Reason.MENTION_ESCALATED)
    assert note.recipient == manager  # who declared it leads it
    assert note.incident == incident
    assert note.url == f"/communications/mentions/{mention.pk}/"
    assert "A journalist" in note.body


def test_an_unlinked_escalation_goes_to_whoever_is_on_call_as_crisis_lead(
    responder, manager2, mention
):
    RosterMember.objects.create(
        role_id=Role.CRISIS_LEAD, person=manager2, kind=RosterMember.Kind.PRIMARY
    )

    services.mention_triage(actor=responder, mention=mention, status=T.ESCALATED)

    assert Notification.objects.get(reason=Reason.MENTION_ESCALATED).recipient == manager2


@pytest.mark.parametrize("status", [T.NEEDS_REPLY, T.ESCALATED])
def test_a_drills_post_outside_its_incident_pages_no_real_person_and_keeps_no_deadline(
    responder, manager, manager2, status
):
    """The scenario's storm beyond the posts its alert linked: a player triaging one must not
    plan a deadline of no incident (a real one: the dashboard's, the on-call people's)."""
    RosterMember.objects.create(
        role_id=Role.CRISIS_LEAD, person=manager2, kind=RosterMember.Kind.PRIMARY
    )
    played = InboundPostFactory.create(
        account=SandboxAccountFactory.create(handle="brand.drill1", is_drill=True),
        origin=InboundPost.Origin.DRILL,
    )

    services.mention_triage(actor=responder, mention=played, status=status)

    open_ones = Deadline.objects.filter(subject=f"mention:{played.pk}", cancelled_at__isnull=True)
    assert not open_ones.exists()
    assert not Notification.objects.filter(reason=Reason.MENTION_ESCALATED).exists()
    # Linked to the drill's incident, it has the drill's deadline.
    drill = flows.incident_declare(actor=manager, title="Drill", severity=3, is_drill=True)
    services.mention_link(actor=responder, mention=played, incident=drill)
    assert Deadline.objects.rehearsals().get(subject=f"mention:{played.pk}").incident == drill


# --- storing and adding by hand -------------------------------------------------------------


@pytest.mark.parametrize(
    ("followers", "minutes"), [(0, 60), (999, 60), (1_000, 30), (9_999, 30), (10_000, 15)]
)
def test_the_reply_deadline_is_sooner_for_a_wider_reach(followers, minutes):
    posted = timezone.now()
    due = services.reply_due_at(posted_at=posted, followers=followers)
    assert due == posted + timedelta(minutes=minutes)


def test_the_reply_deadline_follows_the_response_policy(manager):
    """Outside an incident the least severe level's policy; inside one, the copy the incident
    runs on (an edit of the policy after it started changes nothing for it)."""
    sev4 = ResponsePolicy.objects.get(severity=4)
    sev4.mention_reply_minutes = 120
    sev4.mention_reply_by_reach = {}
    sev4.save()
    posted = timezone.now()
    assert services.reply_due_at(posted_at=posted, followers=10**6) == posted + timedelta(hours=2)
    incident = flows.incident_declare(actor=manager, title="Recall rumour", severity=1)
    ResponsePolicy.objects.filter(severity=1).update(mention_reply_by_reach={"10": 1})
    due = services.reply_due_at(posted_at=posted, followers=10**6, incident=incident)
    assert due == posted + timedelta(minutes=15)


def test_storing_skips_what_is_stored_already():
    account = SocialAccountFactory()
    post = FoundPost("1890000000000000001", "hi @brand", "42", "fan", "Fan", 10, timezone.now())

    assert services.mentions_store(account=account, posts=[post, post], origin="mention") == 1
    assert services.mentions_store(account=account, posts=[post], origin="search") == 0
    assert InboundPost.objects.get().origin == "mention"


def test_customer_care_adds_a_mention_by_hand(responder, incident):
    account = SocialAccountFactory()

    mention = services.mention_add_manual(
        actor=responder,
        account=account,
        url="https://twitter.com/Upset_Mum/status/1890000000000000042?s=20",
        text="Your kettle burnt my kitchen",
        author_followers=50,
        incident=incident,
    )

    assert mention.origin == InboundPost.Origin.MANUAL
    assert mention.external_id == "1890000000000000042"
    assert mention.author_handle == "Upset_Mum"
    assert mention.url == "https://x.com/Upset_Mum/status/1890000000000000042"
    assert mention.triage == T.NEW
    assert mention.reply_due_at == mention.posted_at + timedelta(minutes=60)
    assert mention_events(incident)[0].data["manual"] is True

    with pytest.raises(ApplicationError) as again:
        services.mention_add_manual(
            actor=responder,
            account=account,
            url="https://x.com/Upset_Mum/status/1890000000000000042",
            text="same post",
        )
    assert again.value.field == "url"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "https://example.com/post/1"}, "url"),
        ({"text": "  "}, "text"),
        ({"author_handle": "not a handle!"}, "author_handle"),
        ({"posted_at": timezone.now() + timedelta(days=1)}, "posted_at"),
    ],
)
def test_a_mention_added_by_hand_is_checked(responder, fields, field):
    values = {"url": "https://x.com/a/status/1", "text": "hello", **fields}
    with pytest.raises(ApplicationError) as refused:
        services.mention_add_manual(actor=responder, account=SocialAccountFactory(), **values)
    assert refused.value.field == field


def test_a_reader_may_not_add_a_mention(reader):
    with pytest.raises(NotPermitted):
        services.mention_add_manual(
            actor=reader,
            account=SocialAccountFactory(),
            url="https://x.com/a/status/1",
            text="hello",
        )


def test_an_unlinked_mention_keeps_its_own_history(responder, mention, incident):
    from communications.listening.mentions.selectors import mention_history

    assert mention.incident is None
    services.mention_triage(actor=responder, mention=mention, status="no_reply", reason="Spam")
    services.mention_link(actor=responder, mention=mention, incident=incident)
    history = list(mention_history(mention=mention))
    assert [e.incident for e in history] == [None, incident]
    assert "Spam" in history[0].text
    assert history[0].actor == responder
    # Only the linked part is on the incident's timeline.
    assert TimelineEvent.objects.filter(incident=incident, kind="mention").count() == 1


def test_a_mention_that_needs_a_reply_has_a_deadline_that_follows_its_triage(
    responder, responder2, manager
):
    mention = InboundPostFactory(author_followers=50_000, posted_at=timezone.now())
    subject = f"mention:{mention.pk}"
    services.mention_triage(actor=responder, mention=mention, status="needs_reply")
    deadline = Deadline.objects.get(kind=Deadline.Kind.MENTION_REPLY, subject=subject)
    # Outside any incident: the SEV4 policy; 50k followers: the 15-minute reach rule.
    assert deadline.due_at == mention.posted_at + timedelta(minutes=15)
    assert deadline.owner is None
    services.mention_assign(actor=responder, mention=mention, assignee=responder2)
    deadline = Deadline.objects.get(subject=subject, met_at=None, cancelled_at=None)
    assert deadline.owner == responder2
    incident = flows.incident_declare(actor=manager, title="Recall rumour", severity=1)
    ResponsePolicy.objects.filter(severity=1).update(mention_reply_by_reach={"10000": 5})
    services.mention_link(actor=responder, mention=mention, incident=incident)
    # Linked: the incident's frozen copy decides (15 min at 10k followers; the edit after it
    # started does not count).
    deadline = Deadline.objects.get(subject=subject, met_at=None, cancelled_at=None)
    assert deadline.incident == incident
    services.mention_triage(actor=responder, mention=mention, status="no_reply", reason="Troll")
    assert not Deadline.objects.filter(subject=subject, met_at=None, cancelled_at=None).exists()
    services.mention_triage(actor=responder, mention=mention, status="needs_reply")
    services.mention_triage(
        actor=responder,
        mention=mention,
        status="replied",
        reply_url="https://x.com/brand/status/1890000000000000009",
    )
    assert Deadline.objects.filter(subject=subject, met_at__isnull=False).count() == 1
    assert not Deadline.objects.filter(subject=subject, met_at=None, cancelled_at=None).exists()


# --- one act on many mentions --------------------------------------------------------------


def test_many_mentions_are_decided_at_once_each_with_its_event_and_one_reason(responder, incident):
    storm = [InboundPostFactory(author_handle=f"fan{n}") for n in range(5)]
    ids = [m.pk for m in storm]
    assert services.mentions_bulk(
        actor=responder, mention_ids=ids, action="link", incident=incident
    )
    assert set(InboundPost.objects.filter(pk__in=ids).values_list("incident", flat=True)) == {
        incident.pk
    }
    assert len(mention_events(incident)) == 5
    done = services.mentions_bulk(
        actor=responder, mention_ids=ids, action="no_reply", reason="Spam wave, same text"
    )
    assert done == 5
    rows = InboundPost.objects.filter(pk__in=ids)
    assert {(m.triage, m.triage_reason, m.triaged_by_id) for m in rows} == {
        (T.NO_REPLY, "Spam wave, same text", responder.pk)
    }
    services.mentions_bulk(actor=responder, mention_ids=ids, action="assign", assignee=responder)
    assert set(rows.values_list("assignee", flat=True)) == {responder.pk}


def test_escalating_many_tells_the_crisis_lead_of_each(responder, manager, incident):
    storm = [InboundPostFactory(incident=incident) for _ in range(3)]
    services.mentions_bulk(
        actor=responder, mention_ids=[m.pk for m in storm], action="escalate", reason="Press"
    )
    assert (
        Notification.objects.filter(recipient=manager, reason=Reason.MENTION_ESCALATED).count() == 3
    )


def test_one_refusal_changes_none_and_names_the_mention(responder, manager, incident):
    fine = InboundPostFactory(author_handle="fine")
    drill_account = SocialAccountFactory(handle="brand_drill")
    drill_account.is_drill = True
    drill_account.save()
    drill_post = InboundPostFactory(author_handle="rehearsal", account=drill_account)
    with pytest.raises(ApplicationError) as refused:
        services.mentions_bulk(
            actor=responder,
            mention_ids=[fine.pk, drill_post.pk],
            action="link",
            incident=incident,
        )
    assert "Nothing was changed. The mention from @rehearsal" in refused.value.message
    fine.refresh_from_db()
    assert fine.incident is None  # the whole act was undone


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mention_ids": [], "action": "no_reply", "reason": "x"}, "mentions"),
        ({"mention_ids": list(range(1, 102)), "action": "escalate"}, "mentions"),
        ({"mention_ids": [999_999], "action": "escalate"}, "mentions"),
        ({"action": "no_reply", "reason": "  "}, "reason"),
        ({"action": "link"}, "incident"),
        ({"action": "delete"}, "action"),
    ],
)
def test_a_bulk_act_is_refused_with_what_to_fix(responder, mention, kwargs, field):
    kwargs = {"mention_ids": [mention.pk], **kwargs}
    with pytest.raises(ApplicationError) as refused:
        services.mentions_bulk(actor=responder, **kwargs)
    assert refused.value.field == field


def test_a_reader_may_not_act_on_many(reader, mention):
    with pytest.raises(NotPermitted):
        services.mentions_bulk(
            actor=reader, mention_ids=[mention.pk], action="no_reply", reason="Spam"
        )
