"""Publishing to X through the real tweepy client against a fake X API.

The tasks are driven one step at a time (publish, reconcile) so each outcome can be seen;
what they schedule next is captured, not run.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from communications import publishing
from communications.models import InboundPost, Message
from communications.services import accounts, approvals
from communications.services import messages as message_services
from communications.tasks import publish_message
from teams import flows
from teams.models import Notification, Reason
from tests.communications.factories import InboundPostFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SocialAccountFactory(handle="brand", external_user_id="1500000000000000001")


def approved(author, approver, account, body="We are aware and looking into it.", **kwargs):
    incident = flows.incident_declare(actor=author, title="Outage", severity=3)
    message = message_services.message_create(
        actor=author, incident=incident, account=account, body=body, **kwargs
    )
    message_services.message_submit(actor=author, message=message)
    approvals.message_approve(actor=approver, message=message)
    message.refresh_from_db()
    assert message.status == S.APPROVED
    return message


def test_an_approved_message_is_posted_once_with_its_id_and_url(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    message.refresh_from_db()
    [post] = fake_x.posts
    assert post["text"] == message.body
    assert message.status == S.PUBLISHED
    assert message.external_id == post["id"]
    assert message.external_url == f"https://x.com/brand/status/{post['id']}"
    assert message.sandbox is False
    message.incident.refresh_from_db()
    assert message.incident.first_response_at is not None
    assert Notification.objects.filter(recipient=responder, reason=Reason.MESSAGE_PUBLISHED)


def test_approval_queues_publishing_after_commit(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    incident = flows.incident_declare(actor=responder, title="x", severity=3)
    message = message_services.message_create(
        actor=responder, incident=incident, account=account, body="Queued after commit."
    )
    message_services.message_submit(actor=responder, message=message)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.message_approve(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert len(fake_x.posts) == 1


def test_a_redelivered_task_never_posts_twice(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    with django_capture_on_commit_callbacks():
        publish_message(message.pk)
        publish_message(message.pk)
        publish_message(message.pk)
    assert len(fake_x.posts) == 1


def test_a_reply_answers_the_mention_and_marks_it_replied(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    mention = InboundPostFactory(account=account, external_id="1871111111111111111")
    message = approved(
        responder, manager, account, kind="reply", reply_to_mention=mention, body="Sorry! DM us."
    )
    with django_capture_on_commit_callbacks():
        publishing.publish(message.pk)
    [post] = fake_x.posts
    assert post["in_reply_to_tweet_id"] == "1871111111111111111"
    mention.refresh_from_db()
    assert mention.triage == InboundPost.Triage.REPLIED


def test_a_thread_goes_out_in_order_each_part_replying_to_the_previous(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(
        responder, manager, account, kind="thread", parts=["2/3 What we know.", "3/3 Next."]
    )
    with django_capture_on_commit_callbacks():
        publishing.publish(message.pk)
    first, second, third = fake_x.posts
    assert first["text"] == message.body
    assert second["in_reply_to_tweet_id"] == first["id"]
    assert third["in_reply_to_tweet_id"] == second["id"]
    assert list(message.parts.values_list("external_id", flat=True)) == [
        second["id"],
        third["id"],
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "Your Tweet text is too long"),
        (401, "Unauthorized"),
        (403, "You are not allowed to create a Tweet with duplicate content."),
    ],
)
def test_a_refusal_fails_with_x_s_own_words_and_tells_the_people_concerned(
    fake_x, responder, manager, account, status, words, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=status)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert words in message.last_error
    assert f"({status})" in message.last_error
    assert fake_x.posts == []
    notified = set(
        Notification.objects.filter(reason=Reason.PUBLISH_FAILED).values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"responder"}  # the author, who is also the crisis lead here


def test_a_failed_message_can_be_retried_and_then_goes_out(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=401)
    with django_capture_on_commit_callbacks():
        publishing.publish(message.pk)
        message_services.message_retry(actor=manager, message=message)
        assert publishing.publish(message.pk) == "published"
    assert len(fake_x.posts) == 1


def test_429_waits_until_the_reset_time(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=429, reset_in=120)
    with django_capture_on_commit_callbacks() as scheduled:
        assert publishing.publish(message.pk) == "rate limited"
    message.refresh_from_db()
    assert message.status == S.APPROVED
    wait = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=100) < wait <= timedelta(seconds=121)
    assert len(scheduled) == 1
    # Before the reset nothing is posted, even if the task runs early.
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "not ours"
    assert fake_x.posts == []
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    assert len(fake_x.posts) == 1


def test_503_is_an_unknown_outcome_reconciled_before_any_retry(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=503)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "unknown"
    message.refresh_from_db()
    assert message.status == S.PUBLISHING
    token = str(message.attempt_token)
    # Nothing was posted: reconciling finds nothing and schedules a later attempt.
    with django_capture_on_commit_callbacks():
        assert publishing.reconcile(message.pk, token) == "not found"
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert message.next_attempt_at > timezone.now()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    assert len(fake_x.posts) == 1


def test_a_timeout_after_x_posted_is_found_not_posted_again(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", timeout=True, create=True)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "unknown"
    message.refresh_from_db()
    with django_capture_on_commit_callbacks():
        assert publishing.reconcile(message.pk, str(message.attempt_token)) == "found"
    message.refresh_from_db()
    [post] = fake_x.posts
    assert message.status == S.PUBLISHED
    assert message.external_id == post["id"]
    # A late redelivery of the publish task changes nothing.
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "not ours"
    assert len(fake_x.posts) == 1


def test_a_worker_that_died_mid_publish_is_reconciled_not_reposted(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    # The worker claimed the message and posted, then died before recording it.
    _claimed, token = publishing._claim(message.pk)
    fake_x.tweets["1999"] = {
        "id": "1999",
        "text": message.body,
        "author_id": fake_x.author_id,
        "created_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "edit_history_tweet_ids": ["1999"],
    }
    Message.objects.filter(pk=message.pk).update(
        publishing_started_at=timezone.now() - timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks() as scheduled:
        assert publishing.publish(message.pk) == "not ours"  # the redelivered task
    assert len(scheduled) == 1  # it asked for a reconciliation instead
    with django_capture_on_commit_callbacks():
        assert publishing.reconcile(message.pk, token) == "found"
    message.refresh_from_db()
    assert message.external_id == "1999"
    assert len(fake_x.posts) == 1


def test_attempts_are_bounded(
    fake_x, responder, manager, account, settings, django_capture_on_commit_callbacks
):
    settings.PUBLISH_MAX_ATTEMPTS = 2
    message = approved(responder, manager, account)
    for _ in range(2):
        fake_x.script("create", status=503)
        with django_capture_on_commit_callbacks():
            publishing.publish(message.pk)
            message.refresh_from_db()
            publishing.reconcile(message.pk, str(message.attempt_token))
        Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert "gave up after 2 attempts" in message.last_error
    assert fake_x.posts == []


def test_a_scheduled_message_waits_for_its_time(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(
        responder, manager, account, scheduled_at=timezone.now() + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "not ours"
    assert fake_x.posts == []


def test_a_sandbox_account_publishes_nowhere_and_says_so(
    fake_x, responder, manager, django_capture_on_commit_callbacks
):
    from tests.communications.factories import SandboxAccountFactory

    message = approved(responder, manager, SandboxAccountFactory())
    with django_capture_on_commit_callbacks():
        publishing.publish(message.pk)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert message.sandbox is True
    assert message.external_url == ""
    assert fake_x.requests == []
    assert "sandbox" in message.incident.events.filter(kind="publish").get().text


def test_an_expired_oauth2_token_is_refreshed_and_the_post_goes_out(
    fake_x, responder, manager, admin_user, django_capture_on_commit_callbacks
):
    from communications.models import SocialAccount

    oauth2 = accounts.account_save(
        actor=admin_user,
        handle="brand2",
        external_user_id="1500000000000000001",
        auth_kind=SocialAccount.AuthKind.OAUTH2,
        credentials={"access_token": "old-access", "refresh_token": "r-1", "client_id": "cid"},
    )
    fake_x.expired_tokens.add("old-access")
    fake_x.refresh_tokens.add("r-1")
    message = approved(responder, manager, oauth2)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    assert len(fake_x.posts) == 1
    stored = accounts.account_credentials(SocialAccount.objects.get(pk=oauth2.pk))
    assert stored["access_token"] != "old-access"
    assert stored["refresh_token"] != "r-1"
    assert stored["client_id"] == "cid"


def test_a_refresh_x_refuses_fails_the_message_with_401(
    fake_x, responder, manager, admin_user, django_capture_on_commit_callbacks
):
    from communications.models import SocialAccount

    oauth2 = accounts.account_save(
        actor=admin_user,
        handle="brand3",
        external_user_id="1500000000000000001",
        auth_kind=SocialAccount.AuthKind.OAUTH2,
        credentials={"access_token": "dead", "refresh_token": "revoked", "client_id": "cid"},
    )
    fake_x.expired_tokens.add("dead")
    message = approved(responder, manager, oauth2)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "failed"
    message.refresh_from_db()
    assert "(401)" in message.last_error
    assert fake_x.posts == []


def test_the_sweeper_re_drives_an_approved_message_whose_task_was_lost(
    fake_x, responder, manager, account
):
    # Approved, but the queued task never ran (no on-commit callback executed here).
    message = approved(responder, manager, account)
    assert publishing.sweep() == {"published": 0, "reconciled": 0}  # not late yet
    Message.objects.filter(pk=message.pk).update(approved_at=timezone.now() - timedelta(minutes=5))
    assert publishing.sweep(now=timezone.now()) == {"published": 1, "reconciled": 0}
    message.refresh_from_db()
    assert message.status == S.PUBLISHED  # tasks run eagerly in tests
    assert len(fake_x.posts) == 1
    assert publishing.sweep() == {"published": 0, "reconciled": 0}


def test_the_sweeper_reconciles_a_stuck_attempt(fake_x, responder, manager, account):
    message = approved(responder, manager, account)
    publishing._claim(message.pk)
    Message.objects.filter(pk=message.pk).update(
        publishing_started_at=timezone.now() - timedelta(minutes=10)
    )
    assert publishing.sweep()["reconciled"] == 1
    message.refresh_from_db()
    # Nothing was posted, so it went back to approved with a later attempt, never twice.
    assert message.status == S.APPROVED
    assert fake_x.posts == []
