"""The last gate (communications.messaging.gate.publish_refusal): what lets a message go out is
asked again inside the transaction that claims it and just before each post, whatever changed after
it was approved. One test per clause, through publishing against the fake X, plus the races.
"""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from communications.messaging import gate, publishing
from communications.messaging.gate import Stop
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Approval, InboundPost, Message
from config.errors import ApplicationError
from config.permissions import MANAGER, RESPONDER
from incidents.models import Incident, Status, TimelineEvent
from postmortems.flows import incident_transition
from teams import flows
from teams.models import Notification, Reason
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.teams import factories as people

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SocialAccountFactory(handle="brand", external_user_id="1500000000000000001")


def declare(actor, severity=3, **kwargs):
    return flows.incident_declare(actor=actor, title="Outage", severity=severity, **kwargs)


def approved(author, approvers, account, incident=None, **kwargs):
    incident = incident or declare(author)
    message = message_services.message_create(
        actor=author,
        incident=incident,
        account=account,
        body=kwargs.pop("body", "We are aware and looking into it."),
        **kwargs,
    )
    message_services.message_submit(actor=author, message=message)
    for approver in approvers:
        approvals.message_approve(actor=approver, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    return message


def publish(message, capture):
    with capture():
        outcome = publishing.publish(message.pk)
    message.refresh_from_db()
    return outcome


def posts(fake_x):
    return [request for request in fake_x.requests if request[0] == "POST"]


def told(person, message):
    return Notification.objects.filter(
        recipient=person, reason=Reason.PUBLISH_FAILED, subject__contains=f"message:{message.pk}:"
    ).exists()


def timeline(message):
    return list(
        TimelineEvent.objects.filter(data__message=message.pk)
        .order_by("at", "id")
        .values_list("text", flat=True)
    )


# --- 1. the incident may still speak --------------------------------------------------------


def test_a_message_of_an_incident_that_may_no_longer_speak_is_withdrawn_not_posted(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    """Declined by a path that withdrew nothing (a lost race, an old row): the gate stops it."""
    message = approved(responder, [manager], account)
    Incident.objects.filter(pk=message.incident_id).update(status=Status.DECLINED)
    assert publish(message, django_capture_on_commit_callbacks) == "withdrawn"
    assert message.status == S.WITHDRAWN
    assert posts(fake_x) == []
    assert "may no longer speak" in timeline(message)[-1]
    assert told(responder, message)  # its author, and the crisis lead (who declared it)


def test_the_incident_declined_between_the_claim_and_the_post_posts_nothing(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks, monkeypatch
):
    message = approved(responder, [manager], account)
    claim = publishing._claim

    def claim_then_decline(message_id):
        claimed = claim(message_id)
        incident_transition(
            actor=manager, incident=message.incident, to=Status.DECLINED, reason="False alarm"
        )
        return claimed

    monkeypatch.setattr(publishing, "_claim", claim_then_decline)
    assert publish(message, django_capture_on_commit_callbacks) == "withdrawn"
    assert message.status == S.WITHDRAWN
    assert posts(fake_x) == []


def test_declining_an_incident_withdraws_what_it_has_not_said_and_tells_the_authors(
    fake_x, responder, responder2, manager, account, django_capture_on_commit_callbacks
):
    incident = declare(responder)
    waiting = approved(responder, [manager], account, incident=incident)
    scheduled = approved(
        responder2,
        [manager],
        account,
        incident=incident,
        body="Update at noon.",
        scheduled_at=timezone.now() + timedelta(seconds=70),
    )
    pending = message_services.message_submit(
        actor=responder2,
        message=message_services.message_create(
            actor=responder2, incident=incident, account=account, body="Pending words."
        ),
    )
    draft = message_services.message_create(
        actor=responder, incident=incident, account=account, body="A draft."
    )
    incident_transition(actor=manager, incident=incident, to=Status.DECLINED, reason="False alarm")
    for message in (waiting, scheduled, pending, draft):
        message.refresh_from_db()
        assert message.status == S.WITHDRAWN, message.body
        assert "may no longer speak" in timeline(message)[-1]
    assert (
        Notification.objects.filter(
            recipient=responder2, reason=Reason.MESSAGE_RETURNED, subject__endswith="with-incident"
        ).count()
        == 2
    )
    # The tasks queued for them find nothing to post, now or at their time.
    for message in (waiting, scheduled):
        assert publish(message, django_capture_on_commit_callbacks) == "not ours"
    assert posts(fake_x) == []
    with pytest.raises(ApplicationError):
        approvals.message_approve(actor=manager, message=pending)


def test_closing_an_incident_withdraws_its_messages_too(responder, manager, account):
    from postmortems import flows as postmortem_flows

    incident = declare(responder, severity=4)
    message = approved(responder, [manager], account, incident=incident)
    for to in (Status.RESPONDING, Status.RESOLVED, Status.CLOSED):
        postmortem_flows.incident_transition(actor=manager, incident=incident, to=to)
    message.refresh_from_db()
    assert message.status == S.WITHDRAWN


def test_a_failed_message_of_a_declined_incident_cannot_be_tried_again(responder, manager, account):
    message = approved(responder, [manager], account)
    Message.objects.filter(pk=message.pk).update(status=S.FAILED)
    Incident.objects.filter(pk=message.incident_id).update(status=Status.DECLINED)
    message.refresh_from_db()
    with pytest.raises(ApplicationError, match="may no longer speak"):
        message_services.message_retry(actor=responder, message=message)


# --- 2. a switched-off account --------------------------------------------------------------


def test_a_switched_off_account_publishes_nothing_until_it_is_back_and_tried_again(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, [manager], account)
    account.is_active = False
    account.save()
    assert publish(message, django_capture_on_commit_callbacks) == "failed"
    assert message.status == S.FAILED
    assert "switched off" in message.last_error
    assert posts(fake_x) == []
    assert told(responder, message)
    with pytest.raises(ApplicationError, match="switched off"):
        message_services.message_retry(actor=responder, message=message)
    account.is_active = True
    account.save()
    with django_capture_on_commit_callbacks(execute=True):
        message_services.message_retry(actor=responder, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert len(posts(fake_x)) == 1


def test_a_switched_off_account_can_be_paused_on_its_own(manager, account):
    from communications.messaging.services import pauses

    account.is_active = False
    account.save()
    pause = pauses.publishing_pause(actor=manager, account=account, reason="Hacked")
    assert pause.is_active


# --- 3. approvals that still count ----------------------------------------------------------


def test_an_approval_does_not_outlive_its_approver(
    fake_x, responder, manager, manager2, account, django_capture_on_commit_callbacks
):
    message = approved(responder, [manager], account)
    manager.is_active = False
    manager.save()
    assert publish(message, django_capture_on_commit_callbacks) == "waiting for approval"
    assert message.status == S.PENDING_APPROVAL
    assert posts(fake_x) == []
    assert f"{manager} can no longer sign in" in timeline(message)[-1]
    assert told(responder, message)
    # Whoever can still approve is asked; a new approval lets it go.
    assert Notification.objects.filter(recipient=manager2, reason=Reason.APPROVAL_REQUESTED)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED


def test_an_approval_does_not_outlive_the_approvers_right_to_approve(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, [manager], account)
    manager.groups.set([Group.objects.get(name=RESPONDER)])
    assert publish(message, django_capture_on_commit_callbacks) == "waiting for approval"
    assert f"{manager} may no longer approve" in timeline(message)[-1]
    assert posts(fake_x) == []


def test_a_sev1_needs_two_approvals_that_both_still_count(
    fake_x, responder, manager, manager2, account, django_capture_on_commit_callbacks
):
    incident = declare(responder, severity=1)
    message = approved(responder, [manager, manager2], account, incident=incident)
    manager.is_active = False
    manager.save()
    assert publish(message, django_capture_on_commit_callbacks) == "waiting for approval"
    count = gate.approval_count(message)
    assert (count.needed, count.counted) == (2, 1)
    assert [approval.approver for approval, _why in count.lapsed] == [manager]
    assert posts(fake_x) == []


def test_a_thread_stops_before_its_next_part_when_an_approval_lapses(
    fake_x,
    responder,
    manager,
    manager2,
    account,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    """Asked again just before each post: part 1 out, the approver switched off, part 2 waits."""
    message = approved(
        responder, [manager], account, kind="thread", parts=["2/2 What we know so far."]
    )
    record = publishing._record

    def record_then_switch_off(*args, **kwargs):
        record(*args, **kwargs)
        type(manager).objects.filter(pk=manager.pk).update(is_active=False)

    monkeypatch.setattr(publishing, "_record", record_then_switch_off)
    assert publish(message, django_capture_on_commit_callbacks) == "waiting for approval"
    monkeypatch.setattr(publishing, "_record", record)
    assert len(posts(fake_x)) == 1
    assert message.external_id  # part 1 is recorded
    assert message.status == S.PENDING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    _first, second = posts(fake_x)
    assert second[2]["reply"]["in_reply_to_tweet_id"] == message.external_id


def test_a_message_drafted_at_a_higher_severity_keeps_its_bar(
    responder, manager, manager2, account
):
    incident = declare(manager, severity=1)
    message = message_services.message_create(
        actor=responder, incident=incident, account=account, body="Drafted at SEV1."
    )
    from communications import flows as communication_flows

    communication_flows.incident_update(
        actor=manager, incident=incident, severity=4, reason="Smaller than feared"
    )
    message_services.message_submit(actor=responder, message=message)
    message.refresh_from_db()
    assert message.approvals_required == 2
    approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL


def test_a_severity_raised_while_a_draft_keeps_the_bar_when_lowered_again(
    responder, manager, account
):
    from communications import flows as communication_flows

    incident = declare(manager, severity=3)
    message = message_services.message_create(
        actor=responder, incident=incident, account=account, body="Drafted at SEV3."
    )
    communication_flows.incident_update(actor=manager, incident=incident, severity=1)
    communication_flows.incident_update(actor=manager, incident=incident, severity=3, reason="Ok")
    message_services.message_submit(actor=responder, message=message)
    message.refresh_from_db()
    assert message.approvals_required == 2


# --- 4. nothing left to fill in -------------------------------------------------------------


def test_a_placeholder_cannot_be_submitted(api_as, responder, account):
    incident = declare(responder)
    message = message_services.message_create(
        actor=responder,
        incident=incident,
        account=account,
        body="We will update you at {next_update}.",
    )
    with pytest.raises(ApplicationError, match=r"\{next_update\}") as refused:
        message_services.message_submit(actor=responder, message=message)
    assert refused.value.field == "body"
    response = api_as(responder).post(
        "/api/v1/messages/",
        {
            "incident": incident.pk,
            "account": account.pk,
            "body": "About {title}: we are on it.",
            "submit": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "{title}" in response.json()["body"][0]
    assert not Message.objects.filter(body__startswith="About").exists()  # nothing saved


def test_a_placeholder_in_a_thread_part_cannot_be_submitted_either(responder, account):
    message = message_services.message_create(
        actor=responder,
        incident=declare(responder),
        account=account,
        kind="thread",
        body="1/2 We know.",
        parts=["2/2 Next update at {next_update}."],
    )
    with pytest.raises(ApplicationError, match="next_update"):
        message_services.message_submit(actor=responder, message=message)


def test_an_approver_cannot_approve_a_placeholder_and_the_page_says_why(
    client, responder, manager, account
):
    message = message_services.message_create(
        actor=responder, incident=declare(responder), account=account, body="Ready."
    )
    message_services.message_submit(actor=responder, message=message)
    # A text submitted before the rule, or changed beside the services.
    Message.objects.filter(pk=message.pk).update(body="Next update at {next_update}.")
    message.refresh_from_db()
    Message.objects.filter(pk=message.pk).update(text_hash=gate.message_hash(message))
    with pytest.raises(ApplicationError, match="next_update"):
        approvals.message_approve(actor=manager, message=message)
    client.force_login(manager)
    page = client.get(message.get_absolute_url()).content.decode()
    assert 'data-testid="gate"' in page
    assert "{next_update}" in page
    assert 'data-testid="approve"' not in page
    assert 'data-testid="request-changes"' in page  # sending it back stays open


def test_an_approved_placeholder_goes_back_to_draft_not_to_x(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, [manager], account)
    Message.objects.filter(pk=message.pk).update(body="Next update at {next_update}.")
    message.refresh_from_db()
    Message.objects.filter(pk=message.pk).update(text_hash=gate.message_hash(message))
    assert publish(message, django_capture_on_commit_callbacks) == "back to draft"
    assert message.status == S.DRAFT
    assert not Approval.objects.filter(message=message, voided_at__isnull=True).exists()
    assert posts(fake_x) == []
    assert told(responder, message)


# --- 5. the content approved is the content posted ------------------------------------------


def test_content_changed_beside_the_services_is_not_posted(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, [manager], account)
    Message.objects.filter(pk=message.pk).update(body="Words nobody approved.")
    assert publish(message, django_capture_on_commit_callbacks) == "back to draft"
    assert posts(fake_x) == []
    assert "not what is here" in timeline(message)[-1]


# --- 6. drills kept apart -------------------------------------------------------------------


@pytest.fixture
def drill_incident(manager):
    return declare(manager, is_drill=True)


def test_a_drill_never_answers_a_real_customer(responder, manager, account, drill_incident):
    mention = InboundPostFactory(account=account)
    with pytest.raises(ApplicationError, match="never answers or takes a real post"):
        message_services.message_create(
            actor=responder,
            incident=drill_incident,
            account=account,
            kind="reply",
            reply_to_mention=mention,
            body="Sorry to hear that!",
        )
    mention.refresh_from_db()
    assert mention.incident is None


def test_a_drill_reply_to_a_real_customer_is_stopped_at_the_gate(
    fake_x, responder, manager, account, drill_incident, django_capture_on_commit_callbacks
):
    """Reached by a path the door did not see: the gate stops it, the mention stays untouched."""
    mention = InboundPostFactory(account=account)
    real = declare(responder)
    message = approved(
        responder, [manager], account, incident=real, kind="reply", reply_to_mention=mention
    )
    Message.objects.filter(pk=message.pk).update(incident=drill_incident)
    InboundPost.objects.filter(pk=mention.pk).update(incident=None)
    assert publish(message, django_capture_on_commit_callbacks) == "back to draft"
    mention.refresh_from_db()
    assert mention.triage == InboundPost.Triage.NEW
    assert mention.incident is None
    assert posts(fake_x) == []


def test_a_real_incident_never_answers_a_drills_post(responder, account):
    scripted = InboundPostFactory(account=account, origin=InboundPost.Origin.DRILL)
    with pytest.raises(ApplicationError, match="part of a drill"):
        message_services.message_create(
            actor=responder,
            incident=declare(responder),
            account=account,
            kind="reply",
            reply_to_mention=scripted,
            body="We hear you.",
        )


def test_mentions_are_not_linked_across_the_drill_line(responder, manager, account, drill_incident):
    from communications.listening.mentions import services as mention_services

    real_post = InboundPostFactory(account=account)
    scripted = InboundPostFactory(account=account, origin=InboundPost.Origin.DRILL)
    real = declare(manager, severity=1)
    with pytest.raises(ApplicationError, match="never answers or takes a real post"):
        mention_services.mention_link(actor=responder, mention=real_post, incident=drill_incident)
    with pytest.raises(ApplicationError, match="part of a drill"):
        mention_services.mention_link(actor=responder, mention=scripted, incident=real)
    mention_services.mention_link(actor=responder, mention=scripted, incident=drill_incident)
    mention_services.mention_link(actor=responder, mention=real_post, incident=real)


# --- the gate's answer on the page and in the API -------------------------------------------


def test_the_gate_is_one_function_with_its_clauses_in_order(responder, manager, account):
    message = approved(responder, [manager], account)
    assert gate.publish_refusal(message) is None
    account.is_active = False
    account.save()
    message.refresh_from_db()
    assert gate.publish_refusal(message).stop == Stop.ACCOUNT_OFF
    Incident.objects.filter(pk=message.incident_id).update(status=Status.CLOSED)
    message.refresh_from_db()
    assert gate.publish_refusal(message).stop == Stop.INCIDENT_OVER


def test_the_api_says_what_the_gate_says(api_as, responder, manager, manager2, account):
    incident = declare(manager, severity=1)
    message = message_services.message_create(
        actor=manager, incident=incident, account=account, body="SEV1 statement."
    )
    message_services.message_submit(actor=manager, message=message)
    body = api_as(responder).get(f"/api/v1/messages/{message.pk}/gate/").json()
    assert body["may_go_out"] is False
    assert body["stop"] == "approvals"
    assert body["approvals"]["needed"] == 2
    assert body["approvals"]["missing"] == 2
    assert {p["id"] for p in body["approvals"]["can_approve"]} == {manager2.pk}
    assert body["approvals"]["stuck"] is True


# --- 6. a SEV1 statement never deadlocks in silence -----------------------------------------


def test_a_statement_nobody_left_can_approve_says_so_at_once(
    client, responder, manager, manager2, account
):
    admin = people.admin(username="boss")  # may approve too: three approvers in all
    incident = declare(manager, severity=1)
    message = message_services.message_create(
        actor=manager, incident=incident, account=account, body="SEV1 statement."
    )
    admin.groups.set([Group.objects.get(name=RESPONDER)])  # the admin does not approve here
    people.admin(username="keeper").groups.set([Group.objects.get(name=MANAGER)])
    keeper = type(manager).objects.get(username="keeper")
    keeper.is_active = False
    keeper.save()
    message_services.message_submit(actor=manager, message=message)
    count = gate.approval_count(message)
    assert count.stuck
    assert count.can_approve == [manager2]
    assert "only" in timeline(message)[-1]
    assert "an admin must let someone else approve" in timeline(message)[-1]
    client.force_login(manager)
    page = client.get(message.get_absolute_url()).content.decode()
    assert 'data-testid="approval-outlook"' in page
    assert str(manager2) in page


def test_admins_are_told_when_nobody_is_left_to_approve(responder, manager, account):
    admin = people.admin(username="boss")
    Group.objects.get(name=MANAGER).user_set.remove(manager)
    manager.groups.add(Group.objects.get(name=MANAGER))
    incident = declare(manager, severity=1)
    message = message_services.message_create(
        actor=manager, incident=incident, account=account, body="SEV1 statement."
    )
    message_services.message_submit(actor=manager, message=message)
    # manager wrote it; only the admin may approve: one short of two.
    assert Notification.objects.filter(recipient=admin, reason=Reason.APPROVERS_SHORT).exists()


def test_submitting_says_how_many_more_and_who(client, responder, manager, account):
    incident = declare(responder)
    message = message_services.message_create(
        actor=responder, incident=incident, account=account, body="Statement."
    )
    client.force_login(responder)
    response = client.post(f"/communications/messages/{message.pk}/submit/", follow=True)
    text = response.content.decode()
    assert "it needs 1 more approval" in text
    assert str(manager) in text


@pytest.mark.django_db(transaction=True)
def test_a_decline_being_committed_is_waited_for_before_the_post(
    fake_x, responder, manager, account, monkeypatch
):
    """Two connections: the decline holds the incident's row while the worker reaches its last
    moment. The gate waits for the decline to commit, then reads it, and nothing is posted."""
    monkeypatch.setattr(publishing, "enqueue", lambda *args, **kwargs: None)  # driven by hand
    incident = declare(responder)
    message = approved(responder, [manager], account, incident=incident)
    holding, done = threading.Event(), threading.Event()

    def decline():
        try:
            with transaction.atomic():
                incident_transition(
                    actor=manager, incident=incident, to=Status.DECLINED, reason="False alarm"
                )
                holding.set()
                done.wait(5)
        finally:
            connection.close()

    claim = publishing._claim

    def claim_while_declining(message_id):
        claimed = claim(message_id)
        threading.Thread(target=decline).start()
        assert holding.wait(5)
        threading.Timer(0.5, done.set).start()  # commits while the gate waits for it
        return claimed

    monkeypatch.setattr(publishing, "_claim", claim_while_declining)
    assert publishing.publish(message.pk) == "withdrawn"
    assert posts(fake_x) == []
    message.refresh_from_db()
    assert message.status == S.WITHDRAWN
