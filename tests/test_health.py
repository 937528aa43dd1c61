import time

import pytest
from django.core.cache import cache

from config.celery_app import QUEUES
from config.tasks import HEARTBEAT_KEY, worker_heartbeat

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


def test_readyz_is_503_without_a_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is False


def test_readyz_is_200_when_every_queue_has_a_fresh_heartbeat(client):
    for queue in QUEUES:
        worker_heartbeat.delay(queue)  # eager in tests: runs the real task
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_readyz_reports_a_stale_queue(client, settings):
    for queue in QUEUES:
        worker_heartbeat(queue)
    cache.set(HEARTBEAT_KEY.format(queue="critical"), time.time() - 3600)
    body = client.get("/readyz").json()
    assert body["checks"]["worker"]["queues"]["critical"]["ok"] is False
    assert body["checks"]["worker"]["queues"]["default"]["ok"] is True


def test_readyz_reports_a_broker_that_is_down(client, settings):
    from config.celery_app import app

    for queue in QUEUES:
        worker_heartbeat(queue)
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
