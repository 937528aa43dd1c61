"""The stop switch: while publishing is paused nothing reaches X, whoever approved and whatever
was already queued; resuming releases only what a manager chooses, the rest goes back to draft."""

import pytest
from django.db import transaction
from django.urls import reverse

from communications.accounts.pauses import pause_covering, paused_account_ids
from communications.listening.mentions import ingest
from communications.messaging import publishing
from communications.messaging.services import messages, pauses
from communications.models import Approval, Message, PublishingPause
from config.errors import ApplicationError, Conflict, NotPermitted
from incidents.models import Status, TimelineEvent
from postmortems.flows import incident_transition
from teams import flows
from tests.communications.drafting import approved, submitted
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.teams.factories import admin as admin_factory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SocialAccountFactory(handle="brand", external_user_id="1500000000000000001")


@pytest.fixture
def other_account():
    return SocialAccountFactory(handle="brand_help")


def declare(actor, title="Outage"):
    return flows.incident_declare(actor=actor, title=title, severity=3)


def x_calls(fake) -> list:
    return [(method, path) for method, path, _body in fake.requests]


def pause(manager, account=None, reason="Our account may be hacked"):
    return pauses.publishing_pause(actor=manager, account=account, reason=reason)


# --- nothing goes out -----------------------------------------------------------------------


def test_a_message_approved_while_paused_is_not_posted(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        message = approved(responder, manager, account)  # its task runs on commit
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert message.held_since is not None
    assert x_calls(fake_x) == []
    said = TimelineEvent.objects.filter(incident=message.incident, kind=TimelineEvent.Kind.PUBLISH)
    assert said.filter(text__startswith="Not published: publishing is paused").count() == 1


def test_a_publish_task_already_queued_when_the_pause_lands_does_not_call_x(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        message = approved(responder, manager, account)
    assert queued  # the publishing task is on its way
    pause(manager)  # all accounts
    for callback in queued:
        callback()  # the task arrives after the pause
    assert publishing.publish(message.pk) == "paused"  # and a redelivery of it
    message.refresh_from_db()
    assert (message.status, message.external_id) == (S.APPROVED, "")
    assert x_calls(fake_x) == []
    assert message.held_since is not None  # held by the pause from the moment it landed
    # Said once on the incident's timeline (by the pause), however often the task comes.
    said = TimelineEvent.objects.filter(incident=message.incident, text__contains="paused")
    assert list(said.values_list("text", flat=True)) == [
        "Publishing paused on all accounts: Our account may be hacked"
    ]


def paused_half_way(responder, manager, account, monkeypatch, capture):
    """A thread of three posts whose first is on X when a pause lands: held before the next."""
    message = approved(
        responder, manager, account, kind="thread", parts=["2/3 What we know.", "3/3 Next."]
    )
    record = publishing._record

    def record_then_pause(message, item, posted):
        record(message, item, posted)
        if not PublishingPause.objects.exists():
            pause(manager, account, reason="Stop the thread")

    monkeypatch.setattr(publishing, "_record", record_then_pause)
    with capture():
        assert publishing.publish(message.pk) == "paused"
    monkeypatch.setattr(publishing, "_record", record)
    return message


def test_a_pause_landing_inside_a_thread_stops_before_the_next_part_and_a_release_resumes_it(
    fake_x, responder, manager, account, monkeypatch, django_capture_on_commit_callbacks
):
    message = paused_half_way(
        responder, manager, account, monkeypatch, django_capture_on_commit_callbacks
    )
    assert len(fake_x.posts) == 1  # the first post went out; the pause stopped the rest
    message.refresh_from_db()
    assert message.status == S.APPROVED
    assert message.held_since is not None
    the_pause = PublishingPause.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        pauses.publishing_resume(actor=manager, pause=the_pause, release=[message.pk])
    first, second, third = fake_x.posts
    assert second["in_reply_to_tweet_id"] == first["id"]
    assert third["in_reply_to_tweet_id"] == second["id"]
    message.refresh_from_db()
    assert message.status == S.PUBLISHED


def test_a_thread_half_out_and_not_released_fails_and_its_text_can_no_longer_change(
    fake_x, responder, manager, account, monkeypatch, django_capture_on_commit_callbacks
):
    """The pause landed between two parts of a thread and the manager did not release it: the
    first part is on X, so the message cannot go back to draft, where its parts could be
    rewritten and the whole thread posted again."""
    message = paused_half_way(
        responder, manager, account, monkeypatch, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        pauses.publishing_resume(actor=manager, pause=PublishingPause.objects.get(), release=[])
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert "Not released after the pause." in message.last_error
    assert message.approvals.filter(voided_at__isnull=True).exists()  # kept, as its record
    with pytest.raises(Conflict, match="can no longer be edited"):
        messages.message_update(actor=responder, message=message, body="All of it again")
    assert len(fake_x.posts) == 1
    the_pause = PublishingPause.objects.get()
    assert the_pause.returned == [message.pk]


def test_a_draft_with_a_post_on_x_cannot_be_edited(responder, manager, account):
    """Whatever led there, a message with a post on X never has its text changed."""
    message = approved(responder, manager, account, kind="thread", parts=["2/2 More."])
    Message.objects.filter(pk=message.pk).update(status=S.DRAFT, external_id="1999")
    message.refresh_from_db()
    with pytest.raises(Conflict, match="already on X"):
        messages.message_update(actor=responder, message=message, body="Rewritten")


def test_an_admin_approving_while_paused_posts_nothing_either(
    fake_x, responder, account, django_capture_on_commit_callbacks
):
    boss = admin_factory(username="boss", is_superuser=True)
    pause(boss, account)
    with django_capture_on_commit_callbacks(execute=True):
        approved(responder, boss, account)
    assert x_calls(fake_x) == []


def test_the_sweeper_queues_nothing_held_and_still_sends_staff_briefings(
    responder, manager, account, other_account, django_capture_on_commit_callbacks
):
    held = approved(responder, manager, account)
    free = approved(responder, manager, other_account)
    Message.objects.filter(pk__in=[held.pk, free.pk]).update(queued_at=None)
    pause(manager, account)
    with django_capture_on_commit_callbacks():
        result = publishing.sweep()
    assert result["published"] == 1
    assert set(Message.objects.filter(queued_at__isnull=False).values_list("pk", flat=True)) == {
        free.pk
    }


# --- the rule ---------------------------------------------------------------------------------


def test_a_pause_covers_its_account_and_a_pause_over_all_covers_every_account(
    manager, account, other_account
):
    assert pause_covering(account.pk) is None
    assert paused_account_ids() == set()
    one = pause(manager, account)
    assert pause_covering(account.pk) == one
    assert pause_covering(other_account.pk) is None
    assert pause_covering(None) is None  # a staff briefing goes to no network
    assert paused_account_ids() == {account.pk}
    everything = pause(manager, reason="Stop everything")
    assert pause_covering(other_account.pk) == everything
    assert pause_covering(account.pk) == everything  # the pause over all comes first
    assert paused_account_ids() is None


def test_one_pause_per_scope_and_a_reason_is_needed(manager, responder, account):
    with pytest.raises(ApplicationError) as refused:
        pause(manager, account, reason="  ")
    assert refused.value.field == "reason"
    with pytest.raises(ApplicationError) as refused:
        pause(manager, account, reason="x" * 501)
    assert refused.value.field == "reason"
    pause(manager, account)
    with pytest.raises(Conflict, match="already paused"):
        pause(manager, account, reason="Again")
    with pytest.raises(NotPermitted):
        pause(responder, reason="Responders may not")
    assert PublishingPause.objects.count() == 1


def test_pausing_and_resuming_are_said_on_every_open_incident_of_the_account(
    responder, manager, account, other_account
):
    with_message = declare(manager, "Messages on @brand")
    submitted(responder, account, incident=with_message)
    with_mention = declare(manager, "Mentions of @brand")
    InboundPostFactory(account=account, incident=with_mention)
    elsewhere = declare(manager, "Only @brand_help")
    submitted(responder, other_account, incident=elsewhere)
    closed = declare(manager, "Over")
    submitted(responder, account, incident=closed)
    incident_transition(actor=manager, incident=closed, to=Status.DECLINED, reason="No")

    def told(text):
        return set(
            TimelineEvent.objects.filter(text__startswith=text).values_list(
                "incident__title", flat=True
            )
        )

    the_pause = pause(manager, account)
    assert told("Publishing paused on @brand: Our account may be hacked") == {
        "Messages on @brand",
        "Mentions of @brand",
    }
    pauses.publishing_resume(actor=manager, pause=the_pause)
    assert told("Publishing resumed on @brand") == {"Messages on @brand", "Mentions of @brand"}
    pause(manager, reason="Everything")
    assert "Only @brand_help" in told("Publishing paused on all accounts")


# --- resuming ---------------------------------------------------------------------------------


def test_resuming_releases_only_what_was_chosen_and_sends_the_rest_back_to_draft(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    the_pause = pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        keep = approved(responder, manager, account, body="Still true: we are on it.")
        stale = approved(responder, manager, account, body="All is fine, nothing to see.")
    assert x_calls(fake_x) == []
    with django_capture_on_commit_callbacks(execute=True):
        resumed = pauses.publishing_resume(actor=manager, pause=the_pause, release=[keep.pk])
    assert (resumed.released, resumed.returned) == ([keep.pk], [stale.pk])
    assert [post["text"] for post in fake_x.posts] == ["Still true: we are on it."]
    keep.refresh_from_db()
    stale.refresh_from_db()
    assert keep.status == S.PUBLISHED
    assert (stale.status, stale.approved_at, stale.held_since) == (S.DRAFT, None, None)
    assert not Approval.objects.filter(message=stale, voided_at__isnull=True).exists()
    assert TimelineEvent.objects.filter(
        incident=stale.incident, text__startswith="Not released after the pause"
    ).exists()
    assert TimelineEvent.objects.filter(
        incident=keep.incident, text__startswith="Released after the pause"
    ).exists()
    assert pause_covering(account.pk) is None


def test_resuming_by_default_releases_nothing(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    the_pause = pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        message = approved(responder, manager, account)
        pauses.publishing_resume(actor=manager, pause=the_pause)
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert x_calls(fake_x) == []


def test_releasing_a_message_that_is_not_waiting_is_refused_and_changes_nothing(
    responder, manager, account, other_account
):
    the_pause = pause(manager, account)
    waiting = approved(responder, manager, account)
    elsewhere = approved(responder, manager, other_account)
    for release in ([elsewhere.pk], ["x"], [10**12]):
        with pytest.raises(ApplicationError) as refused, transaction.atomic():
            pauses.publishing_resume(actor=manager, pause=the_pause, release=release)
        assert refused.value.field == "release"
    the_pause.refresh_from_db()
    assert the_pause.is_active
    waiting.refresh_from_db()
    assert waiting.status == S.APPROVED


def test_a_message_still_under_another_pause_stays_held(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    on_account = pause(manager, account)
    pause(manager, reason="Everything")
    with django_capture_on_commit_callbacks(execute=True):
        message = approved(responder, manager, account)
        pauses.publishing_resume(actor=manager, pause=on_account, release=[message.pk])
    message.refresh_from_db()
    assert message.status == S.APPROVED  # neither released nor sent back
    assert message.held_since is not None
    assert x_calls(fake_x) == []


def test_a_pause_ends_once_and_only_a_manager_ends_it(responder, manager, account):
    the_pause = pause(manager, account)
    with pytest.raises(NotPermitted):
        pauses.publishing_resume(actor=responder, pause=the_pause)
    pauses.publishing_resume(actor=manager, pause=the_pause)
    with pytest.raises(Conflict, match="already ended"):
        pauses.publishing_resume(actor=manager, pause=the_pause)
    pause(manager, account, reason="Paused again")  # a new pause after the old one ended


# --- mentions -------------------------------------------------------------------------------


def test_a_paused_account_is_not_polled(fake_x, manager, account, other_account):
    pause(manager, account)
    assert account.pk not in ingest.accounts_to_poll()
    assert other_account.pk in ingest.accounts_to_poll()
    assert ingest.poll_account(account.pk)["skipped"] == "publishing paused"
    assert x_calls(fake_x) == []
    pause(manager, reason="Everything")
    assert ingest.accounts_to_poll() == []


# --- the admin site -------------------------------------------------------------------------


def test_the_admin_site_shows_pauses_but_cannot_change_or_end_them(client, manager, account):
    the_pause = pause(manager, account)
    boss = admin_factory(username="boss", is_superuser=True)
    client.force_login(boss)
    changelist = reverse("admin:communications_publishingpause_changelist")
    assert client.get(changelist).status_code == 200
    change = reverse("admin:communications_publishingpause_change", args=[the_pause.pk])
    client.post(change, {"resumed_at_0": "2026-01-01", "reason": "gone"})
    delete = reverse("admin:communications_publishingpause_delete", args=[the_pause.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    the_pause.refresh_from_db()
    assert the_pause.is_active
    assert the_pause.reason == "Our account may be hacked"


# --- an attempt the pause caught unsettled ----------------------------------------------------


def unsettled(message, fake_x, django_capture_on_commit_callbacks, *, made: bool):
    """Publish with X's answer lost (the post made or not): the outcome is unknown until X is
    asked, and the attempt's lease is made to have run out (as after a lost worker)."""
    fake_x.script("create", timeout=True, create=made)
    with django_capture_on_commit_callbacks():
        assert publishing.publish(message.pk) == "unknown"
    Message.objects.filter(pk=message.pk).update(lease_expires_at=None, queued_at=None)
    message.refresh_from_db()
    assert message.status == S.PUBLISHING


def test_during_a_pause_nothing_asks_x_not_even_a_reconciliation(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    unsettled(message, fake_x, django_capture_on_commit_callbacks, made=False)
    calls = len(fake_x.requests)
    pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.sweep()["reconciled"] == 0
        assert publishing.reconcile(message.pk, None) == "paused"
        assert publishing.reconcile(message.pk, str(message.attempt_token)) == "paused"
    assert len(fake_x.requests) == calls  # the account's tokens were not used
    message.refresh_from_db()
    assert message.status == S.PUBLISHING
    assert message.held_since is not None


def test_an_unsettled_attempt_waits_for_the_resume_and_not_released_posts_nothing_more(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    unsettled(message, fake_x, django_capture_on_commit_callbacks, made=False)
    the_pause = pause(manager, account)
    assert message in pauses.waiting_messages(the_pause)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = pauses.publishing_resume(actor=manager, pause=the_pause, release=[])
        publishing.sweep()
    assert resumed.returned == [message.pk]
    message.refresh_from_db()
    assert message.status == S.DRAFT  # X was asked: not there; nothing more posted
    assert not message.not_released
    assert fake_x.posts == []
    assert [m for m, _p, _b in fake_x.requests].count("POST") == 1  # the lost attempt only


def test_an_unsettled_attempt_not_released_that_went_out_is_recorded_as_published(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    unsettled(message, fake_x, django_capture_on_commit_callbacks, made=True)
    the_pause = pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        pauses.publishing_resume(actor=manager, pause=the_pause, release=[])
    message.refresh_from_db()
    assert message.status == S.PUBLISHED  # the truth: it is on X
    assert message.external_id == fake_x.posts[0]["id"]
    assert len(fake_x.posts) == 1


def test_an_unsettled_attempt_released_is_checked_then_posted(
    fake_x, responder, manager, account, django_capture_on_commit_callbacks
):
    message = approved(responder, manager, account)
    unsettled(message, fake_x, django_capture_on_commit_callbacks, made=False)
    the_pause = pause(manager, account)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = pauses.publishing_resume(actor=manager, pause=the_pause, release=[message.pk])
    assert resumed.released == [message.pk]
    message.refresh_from_db()
    assert message.status == S.PUBLISHED
    assert len(fake_x.posts) == 1
