"""Live pages (incidents.live): a write that concerns a page changes the version /live/ answers
for it, once committed, and nothing else does; an unchanged page costs a 304."""

import re

import pytest
from django.db import transaction

from communications.messaging.services.pauses import publishing_pause
from incidents import live, services
from teams import flows
from teams.models import Notification, Reason
from tests.communications.factories import SandboxAccountFactory

pytestmark = pytest.mark.django_db

URL = "/live/"


def ask(client, on: str, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(URL, {"on": on}, **headers)


def declared(actor, title: str = "Recall rumour"):
    return flows.incident_declare(actor=actor, title=title, severity=2)


def test_an_unchanged_page_costs_a_304_and_a_change_a_new_version(
    client, responder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = declared(responder)
    client.force_login(responder)
    on = live.incident_key(incident.pk)
    first = ask(client, on)
    assert first.status_code == 204
    assert first["Cache-Control"] == "no-store"
    etag = first["ETag"]
    assert ask(client, on, etag).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        services.incident_note_add(actor=responder, incident=incident, text="Legal called.")
    changed = ask(client, on, etag)
    assert changed.status_code == 204
    assert changed["ETag"] != etag
    assert ask(client, on, changed["ETag"]).status_code == 304


def test_a_change_reaches_only_the_pages_it_concerns(
    client, responder, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        here, elsewhere = declared(responder), declared(responder, "Another")
    client.force_login(responder)
    war_room = ask(client, live.incident_key(here.pk))["ETag"]
    desk = ask(client, live.DESK)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_note_add(actor=responder, incident=elsewhere, text="Elsewhere.")
    assert ask(client, live.incident_key(here.pk), war_room).status_code == 304
    assert ask(client, live.DESK, desk).status_code == 204  # the lists show every incident


def test_my_notifications_and_the_stop_switch_reach_every_page(
    client, responder, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = declared(responder)
    on = live.incident_key(incident.pk)
    client.force_login(responder)
    mine = ask(client, on)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.create(
            recipient=manager, reason=Reason.ROLE_ASSIGNED, subject="theirs", title="Theirs"
        )
    assert ask(client, on, mine).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.create(
            recipient=responder, reason=Reason.ROLE_ASSIGNED, subject="mine", title="Mine"
        )
    mine_now = ask(client, on, mine)
    assert mine_now.status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        publishing_pause(actor=manager, account=SandboxAccountFactory(), reason="Hacked?")
    assert ask(client, on, mine_now["ETag"]).status_code == 204


def test_nothing_is_told_before_the_commit_and_a_transaction_is_told_once(
    responder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = declared(responder)
    key = live.incident_key(incident.pk)
    before = live.versions([key])
    with django_capture_on_commit_callbacks(execute=False) as told:
        for n in range(20):
            services.incident_note_add(actor=responder, incident=incident, text=f"Note {n}")
        assert live.versions([key]) == before  # not committed yet: no page refreshes early
    assert len([c for c in told if getattr(c, "__name__", "") == "tell"]) == 1
    for callback in told:
        callback()
    assert live.versions([key]) != before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_tells_nobody_and_the_next_one_is_told(responder):
    incident = declared(responder)
    key = live.incident_key(incident.pk)
    before = live.versions([key])

    def undone() -> None:
        with transaction.atomic():
            services.incident_note_add(actor=responder, incident=incident, text="Undone.")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        undone()
    assert live.versions([key]) == before
    with transaction.atomic():
        services.incident_note_add(actor=responder, incident=incident, text="Done.")
    assert live.versions([key]) != before


def test_only_known_pages_may_be_asked_for_and_only_signed_in(client, api, responder):
    assert client.get(URL, {"on": "desk"}).status_code in {302, 401, 403}
    client.force_login(responder)
    for bad in ("person-1", "incident-x", "desk;drop", "incident-" + "9" * 30):
        assert ask(client, bad).status_code == 400, bad


def test_a_mention_and_an_alert_reach_the_pages_that_list_them():
    """A mention arriving or triaged reaches the mention queue (and its incident's war room
    when it is linked to one); an alert raised or decided reaches the desk's pages."""
    from communications.listening.models import Alert, InboundPost

    assert live.keys_of(InboundPost()) == [live.MENTIONS]
    assert set(live.keys_of(InboundPost(incident_id=7))) == {
        live.MENTIONS,
        live.incident_key(7),
        live.DESK,
    }
    assert live.keys_of(Alert()) == [live.DESK]


@pytest.mark.parametrize(
    ("path", "on"),
    [
        ("/", live.DESK),
        ("/incidents/", live.DESK),
        ("/communications/alerts/", live.DESK),
        ("/communications/mentions/", live.MENTIONS),
    ],
)
def test_the_lists_say_what_they_show_and_are_live(client, manager, path, on):
    client.force_login(manager)
    html = client.get(path).content.decode()
    assert f'data-live-on="{on}"' in html
    assert re.search(r" data-live[ >]", html)  # the part that changes is swapped in place
    assert live.page_keys(on) == [on]
