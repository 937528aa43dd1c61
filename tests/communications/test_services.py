"""Messages and approvals: every rule of 'nothing leaves without approval'."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from communications import flows as communication_flows
from communications.accounts import services as accounts
from communications.accounts.rotation import rotation_due_condition
from communications.messaging import gate
from communications.messaging.services import approvals, statements
from communications.messaging.services import messages as message_services
from communications.models import Approval, Message, SocialAccount
from config.errors import ApplicationError, NotPermitted
from incidents import services as incident_services
from incidents.models import TimelineEvent
from teams import flows
from teams.models import Notification, Reason
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


def declare(actor, severity=2):
    return flows.incident_declare(actor=actor, title="Outage", severity=severity)


def draft(author, account, incident=None, body="We are looking into it.", **kwargs):
    incident = incident or declare(author)
    return message_services.message_create(
        actor=author, incident=incident, account=account, body=body, **kwargs
    )


# --- drafting ---------------------------------------------------------------------------------


def test_a_draft_is_on_the_timeline_and_needs_approvals_by_severity(responder, account):
    sev1 = draft(responder, account, declare(responder, severity=1))
    sev3 = draft(responder, account, declare(responder, severity=3))
    assert sev1.status == S.DRAFT
    assert (sev1.approvals_required, sev3.approvals_required) == (2, 1)
    assert TimelineEvent.objects.filter(incident=sev1.incident, kind="message").exists()


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ("a" * 280, True),
        ("a" * 281, False),
        ("😀" * 140, True),
        ("😀" * 141, False),
        ("界" * 141, False),
        ("ğüşiöç" * 46, True),
        ("x " + "https://example.com/" + "p" * 300, True),
        ("   ", False),
    ],
)
def test_length_is_counted_the_way_x_counts(responder, account, body, ok):
    if ok:
        assert draft(responder, account, body=body).body == body.strip()
    else:
        with pytest.raises(ApplicationError) as error:
            draft(responder, account, body=body)
        assert error.value.field == "body"


def test_reply_needs_a_target_and_takes_a_post_link(responder, account):
    with pytest.raises(ApplicationError) as error:
        draft(responder, account, kind="reply")
    assert error.value.field == "reply_to_post"
    message = draft(
        responder, account, kind="reply", reply_to_post="https://x.com/someone/status/1234567"
    )
    assert message.reply_to_post_id == "1234567"
    with pytest.raises(ApplicationError):
        draft(responder, account, kind="reply", reply_to_post="https://example.com/nope")
    assert (
        draft(
            responder, account, kind="reply", reply_to_post="https://x.com/a/status/42?s=20"
        ).reply_to_post_id
        == "42"
    )


@pytest.mark.parametrize(
    "target",
    [
        "١٢٣",  # digits, but not the ones X uses
        "1" * 20,  # longer than a 64-bit id
        "https://x.com/someone/status/12345678901234567890",
        "https://x.com/someone/status/123abc",
        "-5",
    ],
)
def test_a_post_id_is_what_x_can_take(responder, account, target):
    with pytest.raises(ApplicationError) as error:
        draft(responder, account, kind="reply", reply_to_post=target)
    assert error.value.field == "reply_to_post"


def test_reply_to_a_mention_links_it_to_the_incident(responder, account):
    mention = InboundPostFactory(account=account)
    message = draft(responder, account, kind="reply", reply_to_mention=mention)
    mention.refresh_from_db()
    assert mention.incident == message.incident


def test_a_thread_has_parts_within_the_limit(responder, account):
    message = draft(responder, account, kind="thread", parts=["Second part", "Third part"])
    assert list(message.parts.values_list("position", "body")) == [
        (2, "Second part"),
        (3, "Third part"),
    ]
    with pytest.raises(ApplicationError):
        draft(responder, account, kind="thread", parts=[])
    with pytest.raises(ApplicationError):
        draft(responder, account, kind="thread", parts=["a" * 281])


def test_a_correction_names_a_published_message(responder, account):
    with pytest.raises(ApplicationError) as error:
        draft(responder, account, kind="correction")
    assert error.value.field == "corrects"


def test_only_named_publishers_write_for_an_account(responder, responder2, account):
    account.publishers.set([responder2])
    with pytest.raises(NotPermitted):
        draft(responder, account)


def test_a_reader_cannot_draft(reader, responder, account):
    incident = declare(responder)
    with pytest.raises(NotPermitted):
        draft(reader, account, incident)


# --- approving ----------------------------------------------------------------------------------


def submitted(author, account, severity=2, **kwargs):
    message = draft(author, account, declare(author, severity), **kwargs)
    return message_services.message_submit(actor=author, message=message)


def test_submit_notifies_approvers_but_not_the_author(responder, manager, account):
    message = submitted(responder, account)
    assert message.status == S.PENDING_APPROVAL
    assert message.text_hash
    assert Notification.objects.filter(recipient=manager, reason=Reason.APPROVAL_REQUESTED).exists()
    assert not Notification.objects.filter(
        recipient=responder, reason=Reason.APPROVAL_REQUESTED
    ).exists()


def test_the_author_can_never_approve_their_own_message(manager, account):
    message = submitted(manager, account)
    with pytest.raises(NotPermitted, match="someone else"):
        approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    assert not Approval.objects.exists()


def test_approving_needs_the_approve_permission(responder, responder2, account):
    message = submitted(responder, account)
    with pytest.raises(NotPermitted):
        approvals.message_approve(actor=responder2, message=message)


def test_one_approval_approves_a_sev2_message_and_publishes_it(
    responder, manager, account, django_capture_on_commit_callbacks
):
    message = submitted(responder, account)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=message, comment="Good")
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert message.sandbox is True
    assert message.external_id.startswith("sandbox-")


def test_sev1_needs_two_distinct_approvers(responder, manager, manager2, account):
    message = submitted(responder, account, severity=1)
    approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    with pytest.raises(ApplicationError, match="another approver"):
        approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert message.approved_at is not None


def test_an_edit_after_submission_voids_every_approval(responder, manager, manager2, account):
    message = submitted(responder, account, severity=1)
    approvals.message_approve(actor=manager, message=message)
    message_services.message_update(actor=responder, message=message, body="We are on it, truly.")
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert Approval.objects.get().voided_at is not None
    assert gate.valid_approvals(message) == []
    # After resubmission the earlier approval does not count: two fresh ones are needed.
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL


def test_editing_an_approved_message_returns_it_to_draft(responder, manager, account):
    message = submitted(
        responder, account, severity=3, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    message_services.message_update(
        actor=responder,
        message=message,
        body=message.body + " More soon.",
        scheduled_at=message.scheduled_at,
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT


def test_changing_the_target_voids_approvals_too(responder, manager, account):
    message = submitted(responder, account, severity=1, kind="reply", reply_to_post="111")
    approvals.message_approve(actor=manager, message=message)
    message_services.message_update(
        actor=responder, message=message, body=message.body, kind="reply", reply_to_post="222"
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert Approval.objects.get().voided_at is not None


def test_an_unchanged_save_keeps_the_approvals(responder, manager, account):
    message = submitted(responder, account, severity=1)
    approvals.message_approve(actor=manager, message=message)
    message_services.message_update(actor=responder, message=message, body=message.body)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    assert len(gate.valid_approvals(message)) == 1


@pytest.mark.parametrize("refusal", ["message_reject", "message_request_changes"])
def test_a_refusal_needs_a_comment_and_returns_to_the_author(responder, manager, account, refusal):
    message = submitted(responder, account)
    with pytest.raises(ApplicationError) as error:
        getattr(approvals, refusal)(actor=manager, message=message, comment=" ")
    assert error.value.field == "comment"
    getattr(approvals, refusal)(actor=manager, message=message, comment="Too defensive")
    message.refresh_from_db()
    assert message.status in (S.REJECTED, S.CHANGES_REQUESTED)
    assert Notification.objects.filter(recipient=responder, reason=Reason.MESSAGE_RETURNED).exists()
    # The author edits and submits again.
    message_services.message_update(
        actor=responder, message=message, body="We are sorry. We are on it."
    )
    message_services.message_submit(actor=responder, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL


def test_withdraw_rules(responder, responder2, manager, account):
    message = submitted(responder, account)
    with pytest.raises(NotPermitted):
        message_services.message_withdraw(actor=responder2, message=message)
    message_services.message_withdraw(
        actor=responder, message=message, reason="Overtaken by events"
    )
    message.refresh_from_db()
    assert message.status == S.WITHDRAWN
    with pytest.raises(ApplicationError):
        message_services.message_withdraw(actor=manager, message=message)
    with pytest.raises(ApplicationError):
        message_services.message_update(actor=responder, message=message, body="x")


def test_a_published_message_cannot_change(
    responder, manager, account, django_capture_on_commit_callbacks
):
    message = submitted(responder, account)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=message)
    with pytest.raises(ApplicationError):
        message_services.message_update(actor=responder, message=message, body="Rewrite history")
    with pytest.raises(ApplicationError):
        message_services.message_withdraw(actor=manager, message=message)


# --- accounts -----------------------------------------------------------------------------------


def test_credentials_are_encrypted_and_rotation_recorded(admin_user):
    account = accounts.account_save(
        actor=admin_user,
        handle="@Brand_TR",
        external_user_id="12345",
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials={
            "consumer_key": "ck-very-secret",
            "consumer_secret": "cs-very-secret",
            "access_token": "at-very-secret",
            "access_token_secret": "ats-very-secret",
        },
    )
    account.refresh_from_db()
    assert account.handle == "Brand_TR"
    assert "very-secret" not in account.credentials_encrypted
    assert accounts.account_credentials(account)["consumer_key"] == "ck-very-secret"
    assert account.credentials_rotated_at is not None
    assert not account.is_sandbox


def test_only_admins_manage_accounts(manager):
    with pytest.raises(NotPermitted):
        accounts.account_save(actor=manager, handle="brand")


def test_accounts_with_old_credentials_are_found(admin_user):
    account = SandboxAccountFactory()
    SocialAccount.objects.filter(pk=account.pk).update(
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials_encrypted="x",
        credentials_rotated_at=timezone.now() - timedelta(days=200),
    )
    due = SocialAccount.objects.filter(rotation_due_condition())
    assert [a.pk for a in due] == [account.pk]


def test_unknown_person_cannot_approve(account, responder):
    stranger = UserFactory()
    message = submitted(responder, account)
    with pytest.raises(NotPermitted):
        approvals.message_approve(actor=stranger, message=message)


def test_an_approver_who_changed_the_text_cannot_approve_it(responder, manager, manager2, account):
    message = submitted(responder, account)
    message_services.message_update(actor=manager, message=message, body="Manager's better words.")
    message_services.message_submit(actor=responder, message=message)
    with pytest.raises(NotPermitted, match="changed this message"):
        approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED


def test_whoever_changed_a_template_cannot_approve_it(manager, manager2, admin_user):
    template = statements.template_save(
        actor=manager, name="Holding", kind="holding_statement", language="en", body="We know."
    )
    template = statements.template_save(
        actor=manager2,
        template=template,
        name="Holding",
        kind="holding_statement",
        language="en",
        body="We know, and we act.",
    )
    with pytest.raises(NotPermitted):
        statements.template_approve(actor=manager2, template=template)
    with pytest.raises(NotPermitted):
        statements.template_approve(actor=manager, template=template)
    assert statements.template_approve(actor=admin_user, template=template).is_approved


def test_admins_are_reminded_once_to_rotate_old_credentials(admin_user, manager):
    account = SandboxAccountFactory()
    SocialAccount.objects.filter(pk=account.pk).update(
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials_encrypted="x",
        credentials_rotated_at=timezone.now() - timedelta(days=120),
    )
    assert accounts.credentials_rotation_remind() == 1
    assert accounts.credentials_rotation_remind() == 1
    stale = Notification.objects.filter(reason=Reason.CREDENTIALS_STALE)
    assert [n.recipient for n in stale] == [admin_user]


def test_the_page_the_api_and_the_reminder_agree_on_whose_rotation_is_due(
    client, api_as, admin_user
):
    """One rule for "due for rotation": an account that publishes for real with old
    credentials is due everywhere; one whose credentials are gone (sandbox, whatever its kind
    says) is due nowhere; the reminder used to count it."""
    old = timezone.now() - timedelta(days=200)
    live, emptied = SandboxAccountFactory(handle="live"), SandboxAccountFactory(handle="emptied")
    SocialAccount.objects.filter(pk=live.pk).update(
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials_encrypted="x",
        credentials_rotated_at=old,
    )
    SocialAccount.objects.filter(pk=emptied.pk).update(
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials_encrypted="",
        credentials_rotated_at=old,
    )
    api = {
        a["handle"]: a["rotation_due"]
        for a in api_as(admin_user).get("/api/v1/accounts/").json()["results"]
    }
    client.force_login(admin_user)
    page = {
        a.handle: a.rotation_due for a in client.get("/communications/accounts/").context["page"]
    }
    assert api == page == {"live": True, "emptied": False}
    assert accounts.credentials_rotation_remind() == 1
    [notification] = Notification.objects.filter(reason=Reason.CREDENTIALS_STALE)
    assert "@live" in notification.title


# --- the bar cannot be lowered ----------------------------------------------------------------


def test_lowering_the_severity_to_submit_does_not_lower_the_bar(
    responder, manager, manager2, account
):
    """SEV1 → SEV4, submit, one approval, back to SEV1: the approved message waits again."""
    incident = declare(responder, severity=1)
    communication_flows.incident_update(
        actor=responder, incident=incident, severity=4, reason="Contained"
    )
    message = draft(responder, account, incident)
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    communication_flows.incident_update(actor=responder, incident=incident, severity=1)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL
    assert message.approvals_required == 2
    assert message.approved_at is None
    assert Notification.objects.filter(recipient=manager2, reason=Reason.APPROVAL_REQUESTED)
    # Lowered again, the bar stays where it was raised to.
    communication_flows.incident_update(
        actor=responder, incident=incident, severity=4, reason="Contained"
    )
    with pytest.raises(ApplicationError, match="another approver"):
        approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert len(gate.valid_approvals(message)) == 2


def test_a_message_waiting_for_approval_needs_the_raised_count(
    responder, manager, manager2, account
):
    incident = declare(responder, severity=3)
    message = draft(responder, account, incident)
    message_services.message_submit(actor=responder, message=message)
    flows.incident_update(actor=responder, incident=incident, severity=1)  # without the flow
    approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PENDING_APPROVAL  # the approval counts what it needs now
    assert message.approvals_required == 2
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED


@pytest.mark.parametrize(
    "change",
    [
        {"scheduled_at": "now"},
        {"cited_claims": "another"},
    ],
)
def test_what_changes_when_or_what_a_message_rests_on_voids_its_approvals(
    responder, manager, account, change
):
    incident = declare(responder, severity=2)
    embargo = timezone.now() + timedelta(hours=2)
    first = incident_services.claim_add(actor=responder, incident=incident, statement="Recall")
    message = draft(responder, account, incident, scheduled_at=embargo, cited_claims=[first])
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    if change.get("scheduled_at") == "now":
        arguments = {"scheduled_at": None}
    else:
        other = incident_services.claim_add(actor=responder, incident=incident, statement="Ban")
        arguments = {"cited_claims": [first, other]}
    message_services.message_update(actor=responder, message=message, **arguments)
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert not gate.valid_approvals(message)
    assert "approval(s) voided" in message.incident.events.filter(kind="message").first().text


def test_an_unchanged_embargo_keeps_the_approvals_whatever_the_zone_it_is_given_in(
    responder, manager, account
):
    embargo = timezone.now() + timedelta(hours=2)
    message = draft(responder, account, scheduled_at=embargo)
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    same = embargo.astimezone(ZoneInfo("Europe/Istanbul"))
    message_services.message_update(actor=responder, message=message, scheduled_at=same)
    message.refresh_from_db()
    assert message.status == S.APPROVED
