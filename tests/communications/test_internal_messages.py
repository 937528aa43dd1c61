"""Staff briefings and stakeholder updates: approved like posts, never sent to a network."""

import pytest

from communications.messaging import publishing
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Message
from config.errors import ApplicationError, Conflict
from teams import flows
from teams.models import Department, Notification, Reason, StaffBriefing, StakeholderUpdate
from teams.stakeholders import services as stakeholders
from tests.communications.factories import SandboxAccountFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def incident(responder):
    return flows.incident_declare(actor=responder, title="Outage", severity=3)


def approve(author, approver, message):
    message_services.message_submit(actor=author, message=message)
    approvals.message_approve(actor=approver, message=message)
    message.refresh_from_db()
    return message


def stakeholder_update(author, incident, group, body):
    return message_services.message_create(
        actor=author,
        incident=incident,
        account=None,
        kind="stakeholder_update",
        body=body,
        stakeholder_group=group,
        stakeholder_channel="email",
    )


def test_a_staff_briefing_goes_to_the_chosen_departments_once_approved(
    incident, responder, manager, django_capture_on_commit_callbacks
):
    care, _ = Department.objects.get_or_create(name="Customer care")
    agent = UserFactory(department=care)
    UserFactory()  # elsewhere: not briefed
    message = message_services.message_create(
        actor=responder,
        incident=incident,
        account=None,
        kind="staff_briefing",
        body="If customers ask about batch 42: we are testing it; say so, promise nothing. " * 5,
        briefing_departments=[care],
    )
    assert message.account is None
    with django_capture_on_commit_callbacks(execute=True):
        approve(responder, manager, message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    briefing = StaffBriefing.objects.get()
    assert briefing.recipient_count == 1
    assert Notification.objects.filter(recipient=agent, reason=Reason.STAFF_BRIEFING).exists()
    assert (
        "Staff briefing approved: to be delivered to 1 person"
        in incident.events.filter(kind="publish").get().text
    )


def test_a_briefing_is_not_posted_and_takes_no_account(incident, responder):
    with pytest.raises(ApplicationError) as error:
        message_services.message_create(
            actor=responder,
            incident=incident,
            account=SandboxAccountFactory(),
            kind="tweet",
            body="x" * 300,
        )
    assert error.value.field == "body"
    message = message_services.message_create(
        actor=responder,
        incident=incident,
        account=SandboxAccountFactory(),  # ignored: a briefing never posts
        kind="staff_briefing",
        body="x" * 300,
    )
    assert message.account is None


def test_a_stakeholder_update_is_marked_sent_by_a_person_and_ticks_the_plan(
    incident, responder, manager, admin_user, django_capture_on_commit_callbacks
):
    group = stakeholders.stakeholder_group_save(
        actor=admin_user, name="Regulators", kind="regulators"
    )
    stakeholders.plan_entry_save(
        actor=admin_user, severity=3, group=group, channel="email", within_minutes=60
    )
    stakeholders.communication_plan_apply(actor=responder, incident=incident)
    item = incident.checklist.get(key__startswith="stakeholders:")
    with pytest.raises(ApplicationError) as error:
        message_services.message_create(
            actor=responder, incident=incident, account=None, kind="stakeholder_update", body="x"
        )
    assert error.value.field == "stakeholder_group"
    message = stakeholder_update(
        responder, incident, group, "Dear authority, here are the facts so far…"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve(responder, manager, message)
    assert message.status == S.APPROVED  # a person sends it
    assert publishing.publish(message.pk) == "not ours"
    message_services.message_mark_sent(actor=responder, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    update = StakeholderUpdate.objects.get()
    assert (update.group, update.channel, update.summary) == (group, "email", message.body)
    item.refresh_from_db()
    assert item.done_at is not None


def test_a_stakeholder_update_whose_approval_lapsed_is_not_offered_nor_recorded_as_sent(
    incident, responder, manager, admin_user, client
):
    """Asked at the last moment: the approver was switched off after approving, so the update
    may not be sent. The page says why where its button was, and recording it is refused."""
    group = stakeholders.stakeholder_group_save(
        actor=admin_user, name="Regulators", kind="regulators"
    )
    message = stakeholder_update(
        responder, incident, group, "Dear authority, here are the facts so far…"
    )
    approve(responder, manager, message)
    client.force_login(responder)
    page = client.get(f"/communications/messages/{message.pk}/").content.decode()
    assert 'data-testid="mark-sent"' in page
    type(manager).objects.filter(pk=manager.pk).update(is_active=False)

    page = client.get(f"/communications/messages/{message.pk}/").content.decode()
    assert 'data-testid="mark-sent"' not in page
    assert 'data-testid="do-not-send"' in page
    assert "Do not send it:" in page
    with pytest.raises(Conflict, match="Do not send it: It needs 1 approvals now and 0 count"):
        message_services.message_mark_sent(actor=responder, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert not StakeholderUpdate.objects.exists()
    # Edited and approved again by someone who may, it goes.
    message_services.message_update(actor=responder, message=message, body="The facts, again.")
    message.refresh_from_db()
    approve(responder, admin_user, message)
    message_services.message_mark_sent(actor=responder, message=message)
    assert StakeholderUpdate.objects.get().summary == "The facts, again."


def test_changing_the_audience_voids_approvals(incident, responder, manager, admin_user):
    one = stakeholders.stakeholder_group_save(actor=admin_user, name="Media", kind="media")
    two = stakeholders.stakeholder_group_save(actor=admin_user, name="Investors", kind="investors")
    message = stakeholder_update(responder, incident, one, "Facts.")
    approve(responder, manager, message)
    message_services.message_update(
        actor=responder, message=message, body="Facts.", stakeholder_group=two
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT


def test_posts_still_need_an_account(incident, responder):
    with pytest.raises(ApplicationError) as error:
        message_services.message_create(actor=responder, incident=incident, account=None, body="Hi")
    assert error.value.field == "account"
