import pytest
from django.template import Engine
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.test import APIClient

from tests.fakes.chat import Receiver
from tests.teams import factories as people


class SignsInFully:
    """``force_login`` signs the person in completely: the password and, as people whose role
    needs it must (config.permissions.needs_two_factor), the second step, with an
    authenticator app made for them. Tests of the second step itself use a plain ``Client``
    (the ``password_only_client`` fixture)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = people.authenticator(user).persistent_id
        session.save()


class SignedInClient(SignsInFully, Client):
    pass


class SignedInAPIClient(SignsInFully, APIClient):
    pass


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture
def password_only_client():
    """A client whose force_login stops after the password, as a person does before the code."""
    return Client()


@pytest.fixture
def reader(db):
    """Logged in, in no group: may read everything, change nothing."""
    return people.UserFactory(username="reader")


@pytest.fixture
def responder(db):
    return people.responder(username="responder")


@pytest.fixture
def responder2(db):
    return people.responder(username="responder2")


@pytest.fixture
def manager(db):
    return people.manager(username="manager")


@pytest.fixture
def manager2(db):
    return people.manager(username="manager2")


@pytest.fixture
def admin_user(db):
    return people.admin(username="admin")


@pytest.fixture
def api():
    return SignedInAPIClient()


@pytest.fixture
def api_as(api):
    """api_as(user) -> an API client logged in with that user's session."""

    def login(user):
        api.force_authenticate(user=None)
        api.force_login(user)
        return api

    return login


@pytest.fixture
def fake_x(settings):
    """A fake X API on a local port; the real tweepy client talks to it."""
    from tests.fakes.x_api import FakeX

    settings.X_API_TIMEOUT = 0.5
    running = FakeX(timeout_seconds=1.0).serve()
    settings.X_API_BASE_URL = running.url
    yield running.fake
    running.stop()


@pytest.fixture
def receiver_with():
    """receiver_with(statuses) -> a chat webhook receiver on a local port answering with those
    statuses in turn (then 200); see tests.fakes.chat.Receiver."""
    receivers = []

    def make(statuses: list[int | str], delay: float = 0.0, **kwargs: str) -> Receiver:
        receiver = Receiver(statuses, delay, **kwargs)
        receivers.append(receiver)
        return receiver

    yield make
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def strict_templates(monkeypatch) -> str:
    """A variable a template cannot find (by default printed as nothing) prints a marker
    naming it; returns the marker."""
    marker = "MISSING-FROM-THE-TEMPLATE"
    monkeypatch.setattr(Engine.get_default(), "string_if_invalid", f"{marker}[%s]")
    return marker
