"""Email and chat-webhook delivery against a real local HTTP receiver."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from teams import services
from teams.models import Delivery, Reason
from teams.tasks import deliver
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_retries():
    """Eager tasks propagate errors in tests; here a retry must run again instead, as a worker
    would (Celery's eager apply re-runs a retried task only when it does not propagate). The
    outcome is asserted on the delivery rows."""
    from config.celery_app import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


class Receiver:
    """A chat webhook endpoint that answers with a scripted list of statuses."""

    def __init__(self, statuses: list[int], delay: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"invalid_payload")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_with():
    receivers = []

    def make(statuses: list[int], delay: float = 0.0) -> Receiver:
        receiver = Receiver(statuses, delay)
        receivers.append(receiver)
        return receiver

    yield make
    for receiver in receivers:
        receiver.close()


def send_to(person, django_capture_on_commit_callbacks, subject="role-assignment:1"):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = services.notify(
            recipients=[person],
            reason=Reason.ROLE_ASSIGNED,
            subject=subject,
            title="INC-2026-0001: you are Crisis lead",
            body="Maria gave you this role.",
            url="/incidents/INC-2026-0001/",
        )
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
