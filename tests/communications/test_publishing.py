"""Publishing to X through the real tweepy client against a fake X API.

The tasks are driven one step at a time (publish, reconcile) so each outcome can be seen;
what they schedule next is captured, not run.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from communications.accounts import services as accounts
from communications.messaging import publishing
from communications.messaging.publishers import XPublisher
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import InboundPost, Message, SocialAccount
from communications.tasks import publish_message
from config.errors import ApplicationError
from postmortems.flows import incident_transition
from teams import flows
from teams.models import Deadline, Notification, Reason
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
        assert publishing.publish(message.pk) == "not yet due"
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
    # The worker claimed the message and posted, then died before recording it: its hold
    # on the attempt ran out.
    _claimed, token = publishing._claim(message.pk)
    post = fake_x.add_post(message.body)
    Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now())
    with django_capture_on_commit_callbacks() as scheduled:
        assert publishing.publish(message.pk) == "not ours"  # the redelivered task
    assert len(scheduled) == 1  # it asked for a reconciliation instead
    with django_capture_on_commit_callbacks():
        assert publishing.reconcile(message.pk, token) == "found"
    message.refresh_from_db()
    assert message.external_id == post["id"]
    assert len(fake_x.posts) == 1


def test_a_slow_x_past_the_lease_is_not_posted_twice_when_the_sweeper_takes_over(
    fake_x, responder, manager, account, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """X takes longer than the lease to answer (a crisis, X slow): the sweeper takes the attempt
    over while its worker is still waiting, and X does not show the post yet. Nothing is posted
    again until the worker's call is surely over; the worker's late answer is recorded, and the
    message is published once."""
    settings.X_API_TIMEOUT = 10  # a post may take up to a minute: three requests of 2 x 10 s
    message = approved(responder, manager, account)
    post = XPublisher.post
    taken_over = []

    def slow_post(publisher, **kwargs):
        if not taken_over:
            # While this worker waits for X, its lease runs out and the sweeper takes over.
            Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now())
            taken_over.append(publishing.reconcile(message.pk, None))
            taken_over.append(publishing.publish(message.pk))  # the retry's task, at once
        return post(publisher, **kwargs)

    monkeypatch.setattr(XPublisher, "post", slow_post)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "superseded"
    assert taken_over == ["not found", "not yet due"]
    assert len(fake_x.posts) == 1
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert message.external_id == fake_x.posts[0]["id"]  # the late answer, recorded
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=40)
    later = message.next_attempt_at + timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
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
        assert publishing.publish(message.pk) == "not yet due"
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
    assert publishing.sweep() == {"published": 0, "reconciled": 0}  # just queued
    Message.objects.filter(pk=message.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    assert publishing.sweep(now=timezone.now()) == {"published": 1, "reconciled": 0}
    message.refresh_from_db()
    assert message.status == S.PUBLISHED  # tasks run eagerly in tests
    assert len(fake_x.posts) == 1
    assert publishing.sweep() == {"published": 0, "reconciled": 0}


def test_the_sweeper_reconciles_a_stuck_attempt(fake_x, responder, manager, account):
    message = approved(responder, manager, account)
    publishing._claim(message.pk)
    assert publishing.sweep()["reconciled"] == 0  # its worker may still be posting
    Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now())
    assert publishing.sweep()["reconciled"] == 1
    message.refresh_from_db()
    # Nothing was posted, so it went back to approved for a new attempt, never twice.
    assert message.status == S.APPROVED
    assert fake_x.posts == []


# --- threads: part by part, never twice, frozen once out ------------------------------------


def thread(author, approver, account, parts=("2/3 What we know.", "3/3 What comes next.")):
    return approved(
        author, approver, account, kind="thread", body="1/3 We are on it.", parts=list(parts)
    )


def drive(message, django_capture_on_commit_callbacks, *steps):
    """Run publish or reconcile steps; each step is the name of the function to call."""
    results = []
    for step in steps:
        message.refresh_from_db()
        with django_capture_on_commit_callbacks():
            if step == "publish":
                results.append(publishing.publish(message.pk))
            else:
                results.append(publishing.reconcile(message.pk, str(message.attempt_token)))
    message.refresh_from_db()
    return results


def test_a_thread_whose_later_part_got_no_answer_is_reconciled_part_by_part(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = thread(responder, manager, account)
    fake_x.script("create", create=True)  # part 1 goes out
    fake_x.script("create", timeout=True, create=True)  # part 2 made, its answer lost
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["unknown"]
    first = fake_x.posts[0]
    assert message.external_id == first["id"]  # recorded the moment X answered
    assert drive(message, django_capture_on_commit_callbacks, "reconcile") == ["not found"]
    second_part, third_part = message.parts.order_by("position")
    assert second_part.external_id == fake_x.posts[1]["id"]  # found and recorded
    assert third_part.external_id == ""
    assert message.status == S.APPROVED  # not published: part 3 is missing
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["published"]
    _one, two, three = fake_x.posts
    assert three["in_reply_to_tweet_id"] == two["id"]  # resumed at the first missing part
    assert [p.external_id for p in message.parts.order_by("position")] == [two["id"], three["id"]]
    assert fake_x.stats()["texts_posted_twice"] == []


def test_a_thread_resumes_from_the_first_part_without_a_post(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = thread(responder, manager, account)
    fake_x.script("create", create=True)
    fake_x.script("create", status=503)  # part 2 never made
    assert drive(message, django_capture_on_commit_callbacks, "publish", "reconcile") == [
        "unknown",
        "not found",
    ]
    assert message.next_attempt_at is not None  # X was struggling: a later attempt
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["published"]
    assert [p["raw_text"] for p in fake_x.posts] == [
        "1/3 We are on it.",
        "2/3 What we know.",
        "3/3 What comes next.",
    ]


def test_once_a_post_is_out_the_text_is_frozen(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = thread(responder, manager, account)
    fake_x.script("create", create=True)
    fake_x.script("create", status=429, reset_in=60)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["rate limited"]
    assert message.status == S.APPROVED
    for change in ({}, {"body": "1/3 Rewritten."}, {"parts": ["2/3 Other words.", "3/3 End."]}):
        with pytest.raises(ApplicationError, match="correction"):
            message_services.message_update(actor=responder, message=message, **change)
    assert list(message.parts.values_list("external_id", flat=True))[1] == ""
    Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["published"]
    assert len(fake_x.posts) == 3  # part 1 was not posted again
    assert fake_x.stats()["texts_posted_twice"] == []


# --- finding our own post the way X shows it ------------------------------------------------


def test_a_post_is_found_as_x_shows_it_escaped_and_with_t_co_links(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    body = "Q&A for AT&T <customers>: see example.com/help or https://brand.example/faq."
    message = approved(responder, manager, account, body=body)
    fake_x.script("create", timeout=True, create=True)
    assert drive(message, django_capture_on_commit_callbacks, "publish", "reconcile") == [
        "unknown",
        "found",
    ]
    [post] = fake_x.posts
    assert "&amp;" in post["text"]  # X's way, not ours
    assert "https://t.co/" in post["text"]
    assert message.status == S.PUBLISHED
    assert message.external_id == post["id"]


def test_the_same_text_answering_another_post_is_not_ours(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    mention = InboundPostFactory(account=account, external_id="1872222222222222222")
    body = "Sorry to hear this, please DM us."
    message = approved(
        responder, manager, account, kind="reply", reply_to_mention=mention, body=body
    )
    fake_x.add_post(body, reply_to="1873333333333333333")  # the same words to someone else
    fake_x.script("create", status=503)
    assert drive(message, django_capture_on_commit_callbacks, "publish", "reconcile") == [
        "unknown",
        "not found",
    ]
    assert message.external_id == ""


def test_a_duplicate_refusal_of_our_own_lost_post_is_recorded_not_failed(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account, body="We are on it & will update you.")
    # An earlier attempt of this one made the post; its answer never came back.
    with django_capture_on_commit_callbacks():
        publishing._claim(message.pk)
    post = fake_x.add_post(message.body)
    Message.objects.filter(pk=message.pk).update(
        status=S.APPROVED, lease_expires_at=None, attempt_token=None
    )
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["published"]
    assert message.external_id == post["id"]
    assert len(fake_x.posts) == 1


def test_a_duplicate_of_an_older_post_fails_with_x_s_words(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account, body="We are looking into it.")
    old = fake_x.add_post(message.body)
    old["created_at"] = "2026-01-01T10:00:00.000Z"  # last winter's post
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["failed"]
    assert "duplicate content" in message.last_error


def test_a_reconciliation_reads_every_page_back_to_the_attempt(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account, body="Update 7: the recall list is online.")
    fake_x.script("create", timeout=True, create=True)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["unknown"]
    for n in range(250):  # the account kept posting: ours is on the third page
        fake_x.add_post(f"Reply {n} to a customer.")
    assert drive(message, django_capture_on_commit_callbacks, "reconcile") == ["found"]
    pages = [q for m, p, q in fake_x.requests if m == "GET" and p.endswith("/tweets")]
    assert len(pages) == 3
    assert len(fake_x.posts) == 251


# --- every failure ends in `failed`, said in words, with the people told --------------------


@pytest.mark.parametrize(
    ("credentials", "words"),
    [
        ({"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at"}, "lack"),
        ("not a token", "cannot be read"),
    ],
)
def test_unusable_credentials_fail_the_message_and_tell_the_people_concerned(
    fake_x, responder, manager, account, credentials, words, django_capture_on_commit_callbacks
):
    from communications.accounts import crypto

    message = approved(responder, manager, account)
    stored = credentials if isinstance(credentials, str) else crypto.encrypt(credentials)
    SocialAccount.objects.filter(pk=account.pk).update(credentials_encrypted=stored)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["failed"]
    assert words in message.last_error
    assert "Nothing was posted" in message.last_error
    assert fake_x.posts == []
    assert Notification.objects.filter(recipient=responder, reason=Reason.PUBLISH_FAILED)


def test_credentials_that_break_during_a_reconciliation_fail_the_message(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=503)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["unknown"]
    SocialAccount.objects.filter(pk=account.pk).update(credentials_encrypted="rotated away")
    assert drive(message, django_capture_on_commit_callbacks, "reconcile") == ["failed"]
    assert message.status == S.FAILED
    assert "cannot be read" in message.last_error


def test_a_retry_after_x_could_not_be_asked_looks_for_the_lost_post_before_posting(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    """X posted but its answer was lost; then X could not be asked (the credentials broke), so
    the message failed with its outcome unknown. Ten minutes later someone tries it again: X is
    asked first, from the lost attempt's start, and the post is found, not made again."""
    message = approved(responder, manager, account)
    fake_x.script("create", timeout=True, create=True)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["unknown"]
    good = SocialAccount.objects.get(pk=account.pk).credentials_encrypted
    SocialAccount.objects.filter(pk=account.pk).update(credentials_encrypted="rotated away")
    assert drive(message, django_capture_on_commit_callbacks, "reconcile") == ["failed"]
    assert message.status == S.FAILED
    assert "Could not check on X whether it was posted" in message.last_error
    assert "Nothing was posted" not in message.last_error
    SocialAccount.objects.filter(pk=account.pk).update(credentials_encrypted=good)
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=10)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message_services.message_retry(actor=manager, message=message)
    message.refresh_from_db()
    [post] = fake_x.posts
    assert message.status == S.PUBLISHED
    assert message.external_id == post["id"]


def test_a_retry_after_x_said_nothing_was_posted_posts_at_once(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    fake_x.script("create", status=403, body={"detail": "You are not permitted to post"})
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["failed"]
    with django_capture_on_commit_callbacks(execute=True):
        message_services.message_retry(actor=manager, message=message)
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert len(fake_x.posts) == 1


def test_oauth1_credentials_are_checked_completely_when_saved(admin_user):
    with pytest.raises(ApplicationError) as refused:
        accounts.account_save(
            actor=admin_user,
            handle="brand_half",
            external_user_id="1500000000000000001",
            auth_kind=SocialAccount.AuthKind.OAUTH1,
            credentials={"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at"},
        )
    assert refused.value.field == "credentials"
    assert "access_token_secret" in refused.value.message


def test_a_staff_briefing_whose_worker_died_after_the_claim_is_sent_once(
    fake_x, responder, manager, django_capture_on_commit_callbacks
):
    incident = flows.incident_declare(actor=responder, title="Outage", severity=3)
    message = message_services.message_create(
        actor=responder, incident=incident, account=None, kind="staff_briefing", body="Stay calm."
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    with django_capture_on_commit_callbacks():
        publishing._claim(message.pk)  # then the worker died
    Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.sweep()["reconciled"] == 1
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert message.incident.staff_briefings.count() == 1


# --- the sweeper drives one check per message ------------------------------------------------


def test_the_sweeper_starts_one_check_per_stuck_message(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    with django_capture_on_commit_callbacks():
        publishing._claim(message.pk)
    Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now())
    fake_x.script("user_tweets", status=503)  # X cannot say whether it went out
    assert publishing.sweep()["reconciled"] == 1
    message.refresh_from_db()
    assert message.status == S.PUBLISHING
    assert message.lease_expires_at > timezone.now()  # the next check waits for its time
    for _ in range(3):
        assert publishing.sweep()["reconciled"] == 0
    gets = [q for m, p, q in fake_x.requests if m == "GET"]
    assert len(gets) == 1


def test_a_post_recorded_for_another_message_is_never_taken_for_this_one(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    body = "Thank you for your patience, we are on it."
    earlier = approved(responder, manager, account, body=body)
    assert drive(earlier, django_capture_on_commit_callbacks, "publish") == ["published"]
    again = approved(responder, manager, account, body=body)  # the same words, later
    fake_x.script("create", status=503)
    assert drive(again, django_capture_on_commit_callbacks, "publish", "reconcile") == [
        "unknown",
        "not found",
    ]
    assert again.external_id == ""
    assert again.status == S.APPROVED


def test_an_approved_message_short_of_approvals_is_not_published(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)  # SEV3: one approval
    flows.incident_update(actor=responder, incident=message.incident, severity=1)
    assert drive(message, django_capture_on_commit_callbacks, "publish") == ["waiting for approval"]
    assert message.status == S.PENDING_APPROVAL
    assert message.approvals_required == 2
    assert fake_x.posts == []


def test_a_published_statement_meets_the_first_statement_and_starts_the_cadence(
    fake_x, responder, manager, manager2, account, django_capture_on_commit_callbacks
):
    incident = flows.incident_declare(actor=manager, title="Recall rumour", severity=1)
    incident_transition(actor=manager, incident=incident, to="responding")
    message = message_services.message_create(
        actor=responder, incident=incident, account=account, body="We are looking into it."
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)  # SEV1: two approvals
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    deadlines = Deadline.objects.filter(incident=incident)
    assert deadlines.get(kind=Deadline.Kind.FIRST_STATEMENT).met_at is not None
    update = deadlines.get(kind=Deadline.Kind.NEXT_UPDATE, met_at__isnull=True)
    message.refresh_from_db()
    assert update.due_at == message.published_at + timedelta(minutes=30)


def test_a_reply_to_one_person_is_not_the_public_statement(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    incident = flows.incident_declare(actor=manager, title="Recall rumour", severity=2)
    mention = InboundPostFactory(account=account, incident=incident)
    message = message_services.message_create(
        actor=responder,
        incident=incident,
        account=account,
        kind="reply",
        reply_to_mention=mention,
        body="Sorry to hear that, we sent you a DM.",
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "published"
    incident.refresh_from_db()
    assert incident.first_response_at is None
    statement = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FIRST_STATEMENT)
    assert statement.is_open
