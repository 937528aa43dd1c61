"""Moving an incident: the one flow, and closing against a postmortem being corrected."""

import threading
import time

import pytest
from django.db import connection, transaction

from config.errors import ApplicationError
from incidents.models import Incident, Status
from postmortems import flows, services
from postmortems.models import Postmortem
from teams import flows as team_flows


def published(manager, reviewer, *, severity: int) -> Postmortem:
    incident = team_flows.incident_declare(actor=manager, title="Recall rumour", severity=severity)
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    postmortem = Postmortem.objects.get(incident=incident)
    services.postmortem_update(actor=manager, postmortem=postmortem, summary="Done.")
    services.postmortem_submit_review(actor=manager, postmortem=postmortem, reviewers=[reviewer])
    return services.postmortem_publish(actor=reviewer, postmortem=postmortem)


def waiting_on_a_lock(seconds: float = 5) -> bool:
    """Whether another connection of this database waits on a row lock (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db
def test_a_published_postmortem_lets_a_sev2_close_without_a_waiver(manager, manager2):
    postmortem = published(manager, manager2, severity=2)
    incident = flows.incident_transition(
        actor=manager, incident=postmortem.incident, to=Status.CLOSED
    )
    assert incident.status == Status.CLOSED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("severity", [1, 2])
def test_a_close_waits_for_a_correction_being_committed_and_then_refuses(
    manager, manager2, severity
):
    """Two connections: a correction returns the published postmortem to draft and holds its
    transaction; the close of the incident (no waiver) waits for it, then reads the postmortem
    as the correction left it and refuses."""
    postmortem = published(manager, manager2, severity=severity)
    corrected, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def correct():
        try:
            with transaction.atomic():
                services.postmortem_correct(
                    actor=manager2, postmortem=postmortem, reason="Wrong start time"
                )
                corrected.set()
                release.wait(10)
        finally:
            connection.close()

    def close():
        try:
            outcome["incident"] = flows.incident_transition(
                actor=manager, incident=postmortem.incident, to=Status.CLOSED
            )
        except ApplicationError as error:
            outcome["error"] = error
        finally:
            connection.close()

    correcting = threading.Thread(target=correct)
    correcting.start()
    assert corrected.wait(10)
    closing = threading.Thread(target=close)
    closing.start()
    try:
        assert waiting_on_a_lock(), "the close did not wait for the correction"
    finally:
        release.set()
        correcting.join(10)
        closing.join(10)

    error = outcome.get("error")
    assert isinstance(error, ApplicationError), outcome
    assert error.field == "waiver"
    assert Incident.objects.get(pk=postmortem.incident_id).status == Status.RESOLVED
    assert Postmortem.objects.get(pk=postmortem.pk).status == Postmortem.Status.DRAFT


@pytest.mark.django_db(transaction=True)
def test_a_correction_waits_for_a_close_holding_the_incident_and_neither_deadlocks(
    manager, manager2, monkeypatch
):
    """Two connections: the close holds the incident's row before it reads the postmortem; a
    correction begun then waits for the incident (it locks the incident first too) instead of
    taking the postmortem and deadlocking with the close."""
    postmortem = published(manager, manager2, severity=2)
    holding, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}
    read = services.postmortem_published_locked

    def read_when_told(*, incident):
        holding.set()
        go.wait(10)
        return read(incident=incident)

    monkeypatch.setattr(flows, "postmortem_published_locked", read_when_told)

    def run(name, work):
        try:
            outcome[name] = work()
        except Exception as error:  # whatever either raised, the test reports it
            outcome[name] = error
        finally:
            connection.close()

    closing = threading.Thread(
        target=run,
        args=(
            "close",
            lambda: flows.incident_transition(
                actor=manager, incident=postmortem.incident, to=Status.CLOSED
            ),
        ),
    )
    correcting = threading.Thread(
        target=run,
        args=(
            "correct",
            lambda: services.postmortem_correct(
                actor=manager2, postmortem=postmortem, reason="Wrong start time"
            ),
        ),
    )
    closing.start()
    assert holding.wait(10)
    correcting.start()
    try:
        assert waiting_on_a_lock(), "the correction did not wait for the close"
    finally:
        go.set()
        closing.join(10)
        correcting.join(10)

    assert isinstance(outcome["close"], Incident), outcome
    assert outcome["close"].status == Status.CLOSED
    assert isinstance(outcome["correct"], Postmortem), outcome
    assert outcome["correct"].status == Postmortem.Status.DRAFT
