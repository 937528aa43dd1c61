"""The statement page's email subscribers: double opt-in, one email per published update in
the subscriber's language (through the notifications' delivery machinery: retried, swept,
never twice), one-click unsubscribe that deletes the address, rate limits, and an address that
never shows in the API, the admin or a log."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from communications.messaging import subscribers
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.pages import page_switch_on
from communications.models import Message, PageDelivery, PageSubscriber
from incidents import live
from teams import deliveries, flows
from teams.models import Notification, Reason

pytestmark = pytest.mark.django_db
ADDRESS = "ayse.yilmaz@example.com"
HEADLINE = "Batch 24-117 of our mango juice"
UPDATE = "Some bottles of batch 24-117 may contain glass. Bring them to any shop for a refund."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def told_at_once(monkeypatch):
    monkeypatch.setattr(live, "bump", lambda *keys: live._bump_now(keys))


def ask(email=ADDRESS, language="en", client=None, address="203.0.113.7"):
    client = client or Client()
    return client.post(f"/status/{language}/subscribe/", {"email": email}, REMOTE_ADDR=address)


def link(body: str, kind: str) -> str:
    found = re.search(rf"https?://[^\s]+/status/{kind}/[^\s/]+/", body)
    assert found, body
    return found.group(0).split("/status/", 1)[1]


def to_subscribers():
    """The emails to the page's subscribers (the team's own notifications go out too)."""
    return [m for m in mail.outbox if "List-Unsubscribe" in m.extra_headers]


def confirmed(django_capture_on_commit_callbacks, email=ADDRESS, language="en"):
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(email, language).status_code == 200
    sent = [m for m in mail.outbox if m.to == [email]][-1]
    Client().post("/status/" + link(sent.body, "subscription"))
    return PageSubscriber.objects.get(email=email)


@pytest.fixture
def incident(responder, manager):
    incident = flows.incident_declare(actor=responder, title="Spike: glass, recall", severity=2)
    page_switch_on(actor=manager, incident=incident, headline=HEADLINE)
    return incident


def publish(author, approver, incident, capture, body=UPDATE, language="en", **kwargs):
    message = message_services.message_create(
        actor=author,
        incident=incident,
        account=None,
        kind=Message.Kind.PAGE_UPDATE,
        body=body,
        language=language,
        **kwargs,
    )
    with capture(execute=True):
        message_services.message_submit(actor=author, message=message)
        approvals.message_approve(actor=approver, message=message)
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    return message


def test_double_opt_in(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = ask()
    assert answer.status_code == 200
    assert "Check your inbox" in answer.content.decode()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS]
    assert "confirm" in sent.subject
    path = "/status/" + link(sent.body, "subscription")
    subscriber = PageSubscriber.objects.get()
    assert not subscriber.is_confirmed
    # Opening the link (a mail scanner does) confirms nothing: the button does.
    shown = Client().get(path)
    assert 'data-testid="confirm"' in shown.content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed
    done = Client().post(path)
    assert "You are subscribed" in done.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_confirmed


def test_a_confirmed_subscriber_gets_one_email_per_update_in_their_language(
    responder, manager, incident, django_capture_on_commit_callbacks
):
    english = confirmed(django_capture_on_commit_callbacks)
    confirmed(django_capture_on_commit_callbacks, email="mehmet@example.com", language="tr")
    with django_capture_on_commit_callbacks(execute=True):
        ask("waiting@example.com")  # never confirms
    mail.outbox.clear()
    message = publish(responder, manager, incident, django_capture_on_commit_callbacks)
    assert [m.to for m in to_subscribers()] == [[ADDRESS]]
    sent = to_subscribers()[0]
    assert HEADLINE in sent.subject
    assert UPDATE in sent.body
    assert f"#update-{message.pk}" in sent.body
    unsubscribe = "/status/" + link(sent.body, "unsubscribe")
    assert sent.extra_headers["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = PageDelivery.objects.get(subscriber=english, message=message)
    assert delivery.status == PageDelivery.Status.SENT
    # nothing twice: the task delivered again finds it sent
    assert deliveries.deliver(delivery.pk, subscribers.SUBSCRIBERS) == "nothing to do"
    assert len(to_subscribers()) == 1


def test_a_correction_says_so(responder, manager, incident, django_capture_on_commit_callbacks):
    confirmed(django_capture_on_commit_callbacks)
    first = publish(responder, manager, incident, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    publish(
        responder,
        manager,
        incident,
        django_capture_on_commit_callbacks,
        body="Correction: only batch 24-117 of the 1 l bottles is concerned.",
        corrects=first,
    )
    assert len(to_subscribers()) == 1
    assert "Correction" in to_subscribers()[0].subject


def test_a_mail_server_that_fails_is_tried_again_and_a_lost_task_is_swept(
    responder, manager, incident, django_capture_on_commit_callbacks, monkeypatch
):
    confirmed(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    failing = {"left": 1}
    real_send = subscribers._send

    def flaky(delivery):
        if failing["left"]:
            failing["left"] -= 1
            raise deliveries.TransientDeliveryError("SMTPServerDisconnected: gone")
        return real_send(delivery)

    # The courier is frozen: swap it whole for one that fails once.
    courier = subscribers.Courier(**{**subscribers.SUBSCRIBERS.__dict__, "send": flaky})
    monkeypatch.setattr(subscribers, "SUBSCRIBERS", courier)
    message = publish(responder, manager, incident, django_capture_on_commit_callbacks)
    delivery = PageDelivery.objects.get(message=message)
    assert delivery.status == PageDelivery.Status.PENDING
    assert "SMTPServerDisconnected" in delivery.last_error
    assert to_subscribers() == []
    # Its retry task is lost; the sweeper finds it once it is due and stale.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert deliveries.deliveries_sweep(courier=courier) == 1
    delivery.refresh_from_db()
    assert delivery.status == PageDelivery.Status.SENT
    assert len(to_subscribers()) == 1


def test_one_click_unsubscribe_deletes_the_address_and_what_was_sent_to_it(
    responder, manager, incident, django_capture_on_commit_callbacks
):
    subscriber = confirmed(django_capture_on_commit_callbacks)
    publish(responder, manager, incident, django_capture_on_commit_callbacks)
    path = "/status/" + link(to_subscribers()[-1].body, "unsubscribe")
    # Opening the link deletes nothing (a scanner may open it) ...
    assert "Unsubscribe" in Client().get(path).content.decode()
    assert PageSubscriber.objects.filter(pk=subscriber.pk).exists()
    # ... the mail program's one-click POST (RFC 8058, no CSRF token) does.
    strict = Client(enforce_csrf_checks=True)
    answer = strict.post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not PageSubscriber.objects.filter(email__iexact=ADDRESS).exists()
    assert not PageDelivery.objects.filter(subscriber_id=subscriber.pk).exists()
    again = strict.post(path)  # twice is not an error
    assert again.status_code == 200
    mail.outbox.clear()
    publish(responder, manager, incident, django_capture_on_commit_callbacks, body="Later news.")
    assert to_subscribers() == []


def test_asking_again_says_the_same_and_sends_nothing_to_a_confirmed_address(
    django_capture_on_commit_callbacks,
):
    confirmed(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = ask(ADDRESS.upper())
    assert again.status_code == 200
    assert "Check your inbox" in again.content.decode()
    assert mail.outbox == []
    assert PageSubscriber.objects.count() == 1


def test_a_new_request_replaces_the_waiting_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask()
    with django_capture_on_commit_callbacks(execute=True):
        ask()
    old, new = ("/status/" + link(m.body, "subscription") for m in mail.outbox)
    assert Client().post(old).status_code == 410
    assert Client().post(new).status_code == 200
    assert PageSubscriber.objects.get().is_confirmed


def test_unconfirmed_addresses_are_deleted_when_their_time_runs_out(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ask()
    path = "/status/" + link(mail.outbox[0].body, "subscription")
    assert subscribers.subscribers_forget_unconfirmed() == 0  # still in time
    later = timezone.now() + timedelta(hours=49)
    assert subscribers.subscribers_forget_unconfirmed(now=later) == 1
    assert not PageSubscriber.objects.exists()
    assert not PageDelivery.objects.exists()
    assert Client().post(path).status_code == 410


@override_settings(SUBSCRIBE_RATE_PER_ADDRESS="2/hour", SUBSCRIBE_RATE_PER_EMAIL="100/hour")
def test_asking_is_rate_limited_per_client_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert ask("a@example.com").status_code == 200
        assert ask("b@example.com").status_code == 200
        refused = ask("c@example.com")
        other_client = ask("d@example.com", address="198.51.100.9")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in refused.content.decode()
    assert other_client.status_code == 200
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.com",
        "b@example.com",
        "d@example.com",
    ]


@override_settings(SUBSCRIBE_RATE_PER_ADDRESS="100/hour", SUBSCRIBE_RATE_PER_EMAIL="1/day")
def test_asking_is_rate_limited_per_email_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(address="203.0.113.1").status_code == 200
        assert ask(ADDRESS.upper(), address="203.0.113.2").status_code == 429
    assert len(mail.outbox) == 1  # no one floods an inbox from many addresses


def test_a_bad_address_is_refused_with_a_clear_message():
    answer = ask("not-an-address")
    assert answer.status_code == 200
    assert "Enter a valid email address." in answer.content.decode()
    assert not PageSubscriber.objects.exists()
    assert Client().post("/status/xx/subscribe/", {"email": ADDRESS}).status_code == 404


def test_a_drills_update_reaches_no_subscriber(
    responder, manager, django_capture_on_commit_callbacks
):
    confirmed(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    drill = flows.incident_declare(actor=responder, title="Drill", severity=2, is_drill=True)
    page_switch_on(actor=manager, incident=drill, headline="Rehearsal")
    message = publish(responder, manager, drill, django_capture_on_commit_callbacks)
    assert message.sandbox
    assert to_subscribers() == []
    assert not PageDelivery.objects.filter(message=message).exists()
    # Its author is told it was a drill, not that it went on the page.
    told = Notification.objects.get(reason=Reason.MESSAGE_PUBLISHED, recipient=responder)
    assert told.body == "A drill: nothing was put on the statement page."


def test_the_address_is_never_in_the_api_or_the_admin(
    api, client, admin_user, manager, responder, incident, django_capture_on_commit_callbacks
):
    admin_client = client
    confirmed(django_capture_on_commit_callbacks)
    confirmed(django_capture_on_commit_callbacks, email="mehmet@example.com", language="tr")
    with django_capture_on_commit_callbacks(execute=True):
        ask("waiting@example.com")
    publish(responder, manager, incident, django_capture_on_commit_callbacks)
    api.force_login(manager)
    counts = api.get("/api/v1/statement-pages/subscribers/")
    assert counts.status_code == 200
    assert counts.json() == {"confirmed": 2, "waiting": 1, "by_language": {"en": 1, "tr": 1}}
    for path in ("/api/v1/statement-pages/", "/api/v1/messages/", "/api/v1/log/"):
        assert "example.com" not in api.get(path).content.decode(), path
    admin_client.force_login(manager)
    exported = admin_client.get("/communications/log.csv")
    assert exported.status_code == 200
    csv = b"".join(exported.streaming_content).decode()
    assert UPDATE in csv  # the update is in the export; who was told of it is not
    for address in (ADDRESS, "mehmet@example.com", "waiting@example.com"):
        assert address not in csv
    admin_client.force_login(admin_user)
    for path in (
        "/admin/communications/pagesubscriber/",
        f"/admin/communications/pagesubscriber/{PageSubscriber.objects.first().pk}/change/",
        "/admin/communications/pagedelivery/",
        f"/admin/communications/pagedelivery/{PageDelivery.objects.first().pk}/change/",
    ):
        shown = admin_client.get(path)
        assert shown.status_code == 200, path
        assert "example.com" not in shown.content.decode(), path
    api.force_login(responder)
    assert api.get("/api/v1/statement-pages/subscribers/").status_code == 403


def test_a_refusal_is_recorded_and_logged_without_the_address(
    responder, manager, incident, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    import smtplib

    confirmed(django_capture_on_commit_callbacks)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused(
            {ADDRESS: (550, b"5.1.1 <%s>: no such user" % ADDRESS.encode())}
        )

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    message = publish(responder, manager, incident, django_capture_on_commit_callbacks)
    delivery = PageDelivery.objects.get(message=message)
    assert "SMTPRecipientsRefused" in delivery.last_error
    assert ADDRESS not in delivery.last_error
    assert ADDRESS not in caplog.text
