"""Email and chat-webhook delivery (teams.deliveries) against the test mail outbox and a real
local HTTP receiver.

Chat webhooks go only to public https addresses; the receivers here listen on the loopback over
plain http, which the tests allow through WEBHOOK_ALLOWED_HOSTS_FOR_TESTS (off in production).
"""

import socket
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from celery.canvas import Signature
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from teams import deliveries, services
from teams.models import Delivery, DeliveryAttempt, Notification, Reason
from teams.tasks import deliver
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"  # an address on the internet; nothing here connects to it for real


@pytest.fixture(autouse=True)
def _loopback_receivers_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = ["127.0.0.1"]


def until_settled(delivery: Delivery) -> Delivery:
    """Make each next attempt at once, as its task would after the backoff (the tests do not
    wait it out), until the delivery is sent or failed."""
    for _attempt in range(20):
        delivery.refresh_from_db()
        if delivery.status != Delivery.Status.PENDING:
            return delivery
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        deliver.delay(delivery.pk)
    raise AssertionError(f"delivery {delivery.pk} is still pending")


def send_to(
    person,
    django_capture_on_commit_callbacks,
    subject="role-assignment:1",
    title="INC-2026-0001: you are Crisis lead",
):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify(
            recipients=[person],
            reason=Reason.ROLE_ASSIGNED,
            subject=subject,
            title=title,
            body="Maria gave you this role.",
            url="/incidents/INC-2026-0001/",
        )
    for delivery in notification.deliveries.all():
        until_settled(delivery)
    return notification


def test_webhook_retries_after_a_failure_then_succeeds(
    receiver_with, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://crisis.example.com"
    receiver = receiver_with([503, 500])
    person = UserFactory(email="", webhook_url=receiver.url)
    notification = send_to(person, django_capture_on_commit_callbacks)

    delivery = notification.deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3
    assert [(a.ok, a.status_code) for a in delivery.log.all()] == [
        (False, 503),
        (False, 500),
        (True, 200),
    ]
    assert len(receiver.bodies) == 3
    text = receiver.bodies[-1]["text"]
    assert text.startswith("*INC-2026-0001: you are Crisis lead*")
    assert "https://crisis.example.com/incidents/INC-2026-0001/" in text


def test_webhook_refused_for_good_is_not_retried(receiver_with, django_capture_on_commit_callbacks):
    receiver = receiver_with([404])
    person = UserFactory(email="", webhook_url=receiver.url)
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert "HTTP 404" in delivery.last_error
    assert len(receiver.bodies) == 1


def test_webhook_retries_are_bounded(django_capture_on_commit_callbacks, settings):
    settings.DELIVERY_MAX_RETRIES = 3
    # Nothing listens on port 9 of the loopback: connection refused every time.
    person = UserFactory(email="", webhook_url="http://127.0.0.1:9/hook")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 4
    assert delivery.log.filter(ok=False).count() == 4
    assert "ConnectionError" in delivery.last_error


def test_a_slow_receiver_times_out_and_is_retried(
    receiver_with, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_TIMEOUT = 0.2
    settings.DELIVERY_MAX_RETRIES = 1
    receiver = receiver_with([200, 200], delay=0.5)
    person = UserFactory(email="", webhook_url=receiver.url)
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert "Timeout" in delivery.last_error


def test_email_has_text_and_html_with_an_absolute_link(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://crisis.example.com"
    person = UserFactory(email="ali@example.com")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    [message] = mailoutbox
    assert message.to == ["ali@example.com"]
    assert message.subject == "[Crisis Desk] INC-2026-0001: you are Crisis lead"
    assert "https://crisis.example.com/incidents/INC-2026-0001/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://crisis.example.com/incidents/INC-2026-0001/"' in html


def test_a_delivered_notification_is_not_sent_again(mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory(email="ali@example.com")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    deliver.delay(delivery.pk)  # a redelivered task
    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


# --- the row is the truth: lost tasks, duplicates, dead workers -----------------------------


def later(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


@pytest.fixture
def broker_down(monkeypatch):
    """Every task queued while it is on is refused by the broker, as Redis would refuse it
    during a blip."""

    def refused(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Signature, "apply_async", refused)
    return monkeypatch


def test_an_enqueue_lost_after_commit_is_sent_by_the_sweep_exactly_once(
    broker_down, receiver_with, mailoutbox, django_capture_on_commit_callbacks, settings
):
    receiver = receiver_with([200])
    person = UserFactory(email="ali@example.com", webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        # The commit succeeds; the broker refuses the tasks queued after it (logged, and the
        # action that notified does not fail for it).
        [notification] = services.notify(
            recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="role:1", title="Lead"
        )
    broker_down.undo()
    email, chat = notification.deliveries.order_by("channel")
    assert {email.status, chat.status} == {Delivery.Status.PENDING}
    assert mailoutbox == []
    assert receiver.bodies == []
    # Not yet presumed lost: its task may still come.
    assert deliveries.deliveries_sweep(now=later(settings.DELIVERY_REQUEUE_SECONDS - 5)) == 0
    assert deliveries.deliveries_sweep(now=later(settings.DELIVERY_REQUEUE_SECONDS + 1)) == 2
    email.refresh_from_db()
    chat.refresh_from_db()
    assert (email.status, email.attempts) == (Delivery.Status.SENT, 1)
    assert (chat.status, chat.attempts) == (Delivery.Status.SENT, 1)
    assert len(mailoutbox) == 1
    assert len(receiver.bodies) == 1
    # The task the broker lost, had it come after all, and later sweeps: nothing more is sent.
    assert deliver.delay(email.pk).get() == "nothing to do"
    assert deliveries.deliveries_sweep(now=later(10 * settings.DELIVERY_REQUEUE_SECONDS)) == 0
    assert len(mailoutbox) == 1
    assert len(receiver.bodies) == 1


def test_a_process_killed_right_after_the_commit_loses_no_delivery(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    person = UserFactory(email="ali@example.com")
    with django_capture_on_commit_callbacks(execute=False):  # committed; nothing queued
        services.notify(recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="r:1", title="x")
    assert mailoutbox == []
    assert deliveries.deliveries_sweep(now=later(settings.DELIVERY_REQUEUE_SECONDS + 1)) == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_delivery_send_it_once(receiver_with):
    receiver = receiver_with([200, 200], delay=0.3)
    person = UserFactory(email="", webhook_url=receiver.url)
    notification = Notification.objects.create(
        recipient=person, reason=Reason.ROLE_ASSIGNED, subject="role:1", title="Lead"
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=Delivery.Channel.WEBHOOK, target=receiver.url
    )
    outcomes = []

    def worker() -> None:
        try:
            outcomes.append(deliveries.deliver(delivery.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert len(receiver.bodies) == 1
    assert sorted(outcomes) in (["held", "sent"], ["nothing to do", "sent"])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.log.count()) == (
        Delivery.Status.SENT,
        1,
        1,
    )


def test_a_worker_killed_mid_delivery_is_retried_once_its_hold_runs_out(mailoutbox, settings):
    person = UserFactory(email="ali@example.com")
    with transaction.atomic():
        [notification] = services.notify(
            recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="r:1", title="x"
        )
    delivery = notification.deliveries.get()
    # A worker claimed it, then was killed before it sent anything or recorded an outcome.
    claimed = deliveries._claim(delivery.pk)
    assert isinstance(claimed, deliveries.Claimed)
    assert deliver.delay(delivery.pk).get() == "held"  # a redelivered task while it is held
    assert deliveries.deliveries_sweep() == 0  # held: perhaps still sending
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now())
    assert deliveries.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    interrupted, sent = delivery.log.all()
    assert not interrupted.ok
    assert "interrupted" in interrupted.error
    assert sent.ok
    assert len(mailoutbox) == 1


def test_an_attempt_that_lost_its_hold_does_not_undo_the_one_that_took_over(mailoutbox):
    person = UserFactory(email="ali@example.com")
    with transaction.atomic():
        [notification] = services.notify(
            recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="r:1", title="x"
        )
    delivery = notification.deliveries.get()
    slow = deliveries._claim(delivery.pk)
    assert isinstance(slow, deliveries.Claimed)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now())
    assert deliveries.deliver(delivery.pk) == "sent"  # took over and sent
    # The slow attempt's receiver finally answers with a failure: recorded, nothing undone.
    assert deliveries._settle(slow, error="HTTP 503", status_code=503, started=0) == "sent"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.log.count() == 3  # interrupted, sent, the slow one's 503


def test_a_retry_whose_task_was_lost_is_queued_again_once_due(
    receiver_with, django_capture_on_commit_callbacks, settings
):
    receiver = receiver_with([503, 200])
    person = UserFactory(email="", webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify(
            recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="r:1", title="x"
        )
    delivery = notification.deliveries.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.last_error.startswith("HTTP 503")
    assert timezone.now() < delivery.next_attempt_at <= later(10)  # backoff after attempt 1
    # Its retry task was queued for that time (run at once here: too early, it sends nothing).
    assert len(receiver.bodies) == 1
    # Not due yet: the sweep leaves it to its task.
    assert deliveries.deliveries_sweep() == 0
    # Its task was lost: once due and not taken, the sweep queues it again.
    stale = timezone.now() - timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS + 1)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=stale, queued_at=stale)
    assert deliveries.deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert len(receiver.bodies) == 2


def test_nothing_goes_to_a_person_switched_off_since(mailoutbox):
    person = UserFactory(email="ali@example.com")
    with transaction.atomic():
        [notification] = services.notify(
            recipients=[person], reason=Reason.ROLE_ASSIGNED, subject="r:1", title="x"
        )
    person.is_active = False
    person.save()
    delivery = notification.deliveries.get()
    assert deliveries.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert "can no longer sign in" in delivery.last_error
    assert mailoutbox == []


# --- one line titles, and every error recorded ----------------------------------------------


def test_a_title_with_line_breaks_becomes_one_line(
    receiver_with, mailoutbox, django_capture_on_commit_callbacks
):
    receiver = receiver_with([200])
    person = UserFactory(email="ali@example.com", webhook_url=receiver.url)
    notification = send_to(
        person, django_capture_on_commit_callbacks, title="INC-2026-0001:\r\nyou are\nCrisis lead\r"
    )
    assert notification.title == "INC-2026-0001: you are Crisis lead"
    assert {d.status for d in notification.deliveries.all()} == {Delivery.Status.SENT}
    assert mailoutbox[0].subject == "[Crisis Desk] INC-2026-0001: you are Crisis lead"
    assert receiver.bodies[0]["text"].startswith("*INC-2026-0001: you are Crisis lead*")


def test_an_email_that_cannot_be_built_fails_with_its_error_recorded(mailoutbox):
    person = UserFactory(email="ali@example.com")
    # A row written before titles were one line: its subject cannot be an email header.
    notification = Notification.objects.create(
        recipient=person, reason=Reason.ROLE_ASSIGNED, subject="role-assignment:1", title="a\nb"
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=Delivery.Channel.EMAIL, target=person.email
    )
    deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    [attempt] = delivery.log.all()
    assert not attempt.ok
    assert "ValueError" in attempt.error
    assert mailoutbox == []


class ExplodingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise RuntimeError("the mail library broke")


def test_an_unexpected_mail_error_is_recorded_and_retried_within_the_bound(
    django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.ExplodingBackend"}}
    settings.DELIVERY_MAX_RETRIES = 2
    person = UserFactory(email="ali@example.com")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 3
    assert [a.error for a in delivery.log.all()] == ["RuntimeError: the mail library broke"] * 3


def test_a_redirect_is_not_followed(receiver_with, django_capture_on_commit_callbacks):
    elsewhere = receiver_with([200])
    receiver = receiver_with([302], location=elsewhere.url)
    person = UserFactory(email="", webhook_url=receiver.url)
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    [attempt] = delivery.log.all()
    assert attempt.status_code == 302
    assert "not redirected" in attempt.error
    assert elsewhere.bodies == []


def test_a_reset_connection_is_recorded_and_retried(
    receiver_with, django_capture_on_commit_callbacks
):
    receiver = receiver_with(["reset", 200])
    person = UserFactory(email="", webhook_url=receiver.url)
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    first, second = delivery.log.all()
    assert not first.ok
    assert "ConnectionError" in first.error
    assert second.ok


def test_an_answer_that_is_not_http_is_recorded_and_retried_within_the_bound(
    receiver_with, django_capture_on_commit_callbacks, settings
):
    settings.DELIVERY_MAX_RETRIES = 1
    receiver = receiver_with(["garbage", "garbage"])
    person = UserFactory(email="", webhook_url=receiver.url)
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert [(a.ok, a.status_code) for a in delivery.log.all()] == [(False, None)] * 2
    assert "ConnectionError" in delivery.last_error


def test_no_delivery_is_left_pending_without_an_attempt(
    receiver_with, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.DELIVERY_MAX_RETRIES = 0
    for number, answer in enumerate(["reset", "garbage", 302, 404, 503]):
        receiver = receiver_with([answer])
        person = UserFactory(email=f"p{number}@example.com", webhook_url=receiver.url)
        send_to(person, django_capture_on_commit_callbacks, title="a\nb")
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    assert DeliveryAttempt.objects.count() == Delivery.objects.count() == 10


# --- only public https addresses --------------------------------------------------------------


@pytest.fixture
def dns(monkeypatch):
    """Name look-ups as the tests script them: ``answers[name]`` lists the addresses of each
    successive look-up (the last one repeats); every look-up is recorded in ``asked``. PUBLIC
    stands for a host on the internet: connecting to it fails at once. Other names resolve for
    real."""
    real = socket.getaddrinfo
    scripted = SimpleNamespace(answers={}, asked=[])

    def getaddrinfo(host, port, *args, **kwargs):
        scripted.asked.append(host)
        if host in scripted.answers:
            looked_up = scripted.answers[host]
            addresses = looked_up.pop(0) if len(looked_up) > 1 else looked_up[0]
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
                if ":" in address
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in addresses
            ]
        if host == PUBLIC:
            raise socket.gaierror(socket.EAI_NONAME, "the tests do not leave this machine")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return scripted


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/hook", "use https://"),
        ("https://127.0.0.1:{port}/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]:{port}/hook", "loopback"),
        ("https://localhost:{port}/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ],
)
def test_without_the_test_setting_internal_receivers_are_refused(
    receiver_with, django_capture_on_commit_callbacks, settings, url, reason
):
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = []
    receiver = receiver_with([200])
    person = UserFactory(email="", webhook_url=url.format(port=receiver.port))
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    [attempt] = delivery.log.all()
    assert reason in attempt.error
    assert receiver.bodies == []


def test_every_address_a_name_resolves_to_is_checked(dns, django_capture_on_commit_callbacks):
    dns.answers["chat.example.com"] = [[PUBLIC, "10.0.0.7"]]
    person = UserFactory(email="", webhook_url="https://chat.example.com/hook")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.FAILED
    assert "10.0.0.7" in delivery.last_error
    assert "private network" in delivery.last_error
    assert PUBLIC not in dns.asked  # refused before any connection


def test_the_connection_goes_to_the_address_that_was_checked(
    dns, django_capture_on_commit_callbacks, settings
):
    """DNS rebinding: a second look-up would answer the loopback; there is none."""
    settings.DELIVERY_MAX_RETRIES = 0
    dns.answers["chat.example.com"] = [[PUBLIC], ["127.0.0.1"]]
    person = UserFactory(email="", webhook_url="https://chat.example.com/hook")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert dns.asked.count("chat.example.com") == 1
    assert PUBLIC in dns.asked  # connected to the checked address…
    assert dns.answers["chat.example.com"] == [["127.0.0.1"]]  # …never looked the name up again
    assert delivery.status == Delivery.Status.FAILED
    assert "ConnectionError" in delivery.last_error


def test_a_pinned_connection_keeps_the_host_name(
    dns, receiver_with, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = ["hooks.test"]
    dns.answers["hooks.test"] = [["127.0.0.1"]]
    receiver = receiver_with([200])
    person = UserFactory(email="", webhook_url=f"http://hooks.test:{receiver.port}/services/x")
    delivery = send_to(person, django_capture_on_commit_callbacks).deliveries.get()
    assert delivery.status == Delivery.Status.SENT
    assert receiver.hosts == [f"hooks.test:{receiver.port}"]
    assert dns.asked.count("hooks.test") == 1
