import time

import pytest
from django.core.cache import cache

from config.celery_app import QUEUES
from config.tasks import HEARTBEAT_KEY, worker_heartbeat
from tests.teams import factories as people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeats():
    cache.delete_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])
    yield
    cache.delete_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.fixture
def workers():
    for queue in QUEUES:
        worker_heartbeat.delay(queue)  # eager in tests: runs the real task


@pytest.fixture
def superuser(db):
    return people.UserFactory(username="root", is_superuser=True)


UP_OR_DOWN = pytest.mark.parametrize("up", [True, False], ids=["up", "down"])


@UP_OR_DOWN
@pytest.mark.parametrize("who", [None, "reader", "responder", "manager"])
def test_readyz_tells_everyone_but_an_admin_up_or_down_only(client, request, who, up):
    """A probe (and anyone who is not an admin) learns nothing of the team's work: no open
    deadlines, backlog, sweep times or queue ages."""
    if up:
        request.getfixturevalue("workers")
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get("/readyz")
    assert response.status_code == (200 if up else 503)
    assert response.json() == {"status": "ok" if up else "unavailable"}


@UP_OR_DOWN
@pytest.mark.parametrize("who", ["admin_user", "superuser"])
def test_readyz_tells_a_signed_in_admin_what_it_checked(client, request, who, up):
    if up:
        request.getfixturevalue("workers")
    client.force_login(request.getfixturevalue(who))
    response = client.get("/readyz")
    assert response.status_code == (200 if up else 503)
    body = response.json()
    assert body["status"] == ("ok" if up else "unavailable")
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is up
    assert set(body["checks"]["worker"]["queues"]) == set(QUEUES)
    assert "open_deadlines" in body["schedule"]


def test_readyz_tells_an_admin_before_the_second_step_up_or_down_only(
    password_only_client, admin_user, workers
):
    password_only_client.force_login(admin_user)
    response = password_only_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_a_stale_queue(client, admin_user, settings):
    for queue in QUEUES:
        worker_heartbeat(queue)
    cache.set(HEARTBEAT_KEY.format(queue="critical"), time.time() - 3600)
    client.force_login(admin_user)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["worker"]["queues"]["critical"]["ok"] is False
    assert body["checks"]["worker"]["queues"]["default"]["ok"] is True


@pytest.mark.parametrize("who", [None, "admin_user"])
def test_readyz_reports_a_broker_that_is_down(client, request, who):
    from config.celery_app import app

    for queue in QUEUES:
        worker_heartbeat(queue)
    if who:
        client.force_login(request.getfixturevalue(who))
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    if who:
        assert response.json()["checks"]["broker"]["ok"] is False
    else:
        assert response.json() == {"status": "unavailable"}
