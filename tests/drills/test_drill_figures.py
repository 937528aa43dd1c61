"""Drills stay out of the real figures: the dashboard's listening panel (open alerts, the
busiest account's chart), its response schedule (overdue deadlines, public-silence clocks),
its action items, the postmortem list and the action items page, and a real incident's mention
baseline. A drill's alert is still listed on the alerts pages, marked DRILL."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communications.listening import alerts, selectors
from communications.models import Alert, SocialAccount, VolumeBucket
from incidents.models import Incident, Status
from postmortems import facts
from postmortems import flows as postmortem_flows
from postmortems import services as postmortem_services
from postmortems.models import ActionItem, Postmortem
from teams import flows as team_flows
from teams.models import Deadline
from teams.schedule import selectors as schedule_selectors
from tests.communications.factories import (
    InboundPostFactory,
    SandboxAccountFactory,
    SocialAccountFactory,
)
from tests.communications.listening_data import STORM_END, TUESDAY_14, quiet_history, storm

pytestmark = pytest.mark.django_db

BADGE = 'data-testid="drill-badge"'


def html(response) -> str:
    return response.content.decode()


def between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def drill_account(handle: str = "drillbrand") -> SocialAccount:
    return SandboxAccountFactory.create(handle=handle, display_name="Drill brand", is_drill=True)


def spike_on(account: SocialAccount, *, first_id: int) -> Alert:
    quiet_history(account)
    storm(account, first_id=first_id)
    alert = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    assert alert is not None
    return alert


def charted_account(page: str) -> int:
    """The account the dashboard's volume chart shows."""
    found = re.search(
        r"account=(\d+)&", between(page, 'data-testid="listening-panel"', "</figure>")
    )
    assert found is not None
    return int(found.group(1))


# --- the listening panel and the alerts pages -------------------------------------------------


@pytest.fixture
def drill_alert() -> Alert:
    # Made first: the account with the smallest id is the chart's fallback.
    return spike_on(drill_account(), first_id=5_000)


@pytest.fixture
def brand_alert(drill_alert) -> Alert:
    return spike_on(SandboxAccountFactory.create(handle="brand"), first_id=0)


def test_a_drill_accounts_alert_is_left_out_of_the_dashboards_listening(
    client, reader, drill_alert, brand_alert
):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    panel = between(page, 'data-testid="listening-panel"', "</section>")
    assert "1 open alert<" in panel
    assert brand_alert.explanation in panel
    assert drill_alert.explanation not in panel
    assert drill_alert.get_absolute_url() not in panel
    assert charted_account(page) == brand_alert.account_id


def test_a_drill_accounts_alert_alone_leaves_the_panel_without_alerts(client, reader, drill_alert):
    client.force_login(reader)
    panel = between(
        html(client.get(reverse("dashboard"))), 'data-testid="listening-panel"', "</section>"
    )
    assert 'data-testid="open-alerts"' not in panel
    assert drill_alert.explanation not in panel
    assert "No account is listened to yet." in panel  # a drill account is no brand account


def test_the_alerts_page_lists_a_drill_accounts_alert_marked(
    client, reader, drill_alert, brand_alert
):
    client.force_login(reader)
    page = html(client.get(reverse("communications:alerts")))
    rows = re.findall(r'<tr data-testid="alert-row">.*?</tr>', page, re.S)
    assert len(rows) == 2
    drill_row = next(row for row in rows if drill_alert.explanation in row)
    brand_row = next(row for row in rows if brand_alert.explanation in row)
    assert BADGE in drill_row
    assert BADGE not in brand_row


def test_a_drill_accounts_alert_page_is_marked(client, reader, drill_alert, brand_alert):
    client.force_login(reader)
    drill_page = html(client.get(drill_alert.get_absolute_url()))
    assert BADGE in between(drill_page, "<h1", 'data-testid="alert-explanation"')
    assert BADGE not in html(client.get(brand_alert.get_absolute_url()))


def test_the_busiest_account_is_never_a_drill_account():
    rehearsal = drill_account()
    brand = SandboxAccountFactory.create(handle="brand")
    since = TUESDAY_14 - timedelta(hours=1)
    VolumeBucket.objects.create(account=rehearsal, start=TUESDAY_14, posts=500)
    VolumeBucket.objects.create(account=brand, start=TUESDAY_14, posts=3)
    assert selectors.busiest_account(since=since) == brand

    VolumeBucket.objects.filter(account=brand).delete()
    assert selectors.busiest_account(since=since) == brand  # the first brand account

    brand.delete()
    assert selectors.busiest_account(since=since) is None


def test_the_dashboards_open_alerts_are_the_real_accounts_only(reader, drill_alert, brand_alert):
    assert list(selectors.open_alerts(user=reader)) == [brand_alert]
    assert set(selectors.alert_list(user=reader)) == {drill_alert, brand_alert}


# --- the response schedule ---------------------------------------------------------------------


def declare(actor, *, title: str, is_drill: bool = False) -> Incident:
    incident = team_flows.incident_declare(
        actor=actor,
        title=title,
        severity=1,
        detected_at=timezone.now() - timedelta(minutes=30),
        is_drill=is_drill,
    )
    return postmortem_flows.incident_transition(actor=actor, incident=incident, to="responding")


def overdue_at(incident: Incident, moment: datetime) -> int:
    return Deadline.objects.filter(
        incident=incident, met_at=None, cancelled_at=None, due_at__lt=moment
    ).count()


def test_a_drills_deadlines_and_silence_are_left_out_of_the_schedule_overview(
    client, reader, responder
):
    fire = declare(responder, title="Battery fire")
    rehearsal = declare(responder, title="Rehearsed recall", is_drill=True)
    later = timezone.now() + timedelta(minutes=20)
    assert overdue_at(fire, later)
    assert overdue_at(rehearsal, later)
    client.force_login(reader)
    with time_machine.travel(later):
        page = html(client.get(reverse("dashboard")))
    assert f'data-testid="overdue-count">{overdue_at(fire, later)}<' in page
    clocks = between(page, 'data-testid="silence-clocks"', "</ul>")
    assert fire.reference in clocks
    assert rehearsal.reference not in clocks


def test_a_drill_alone_leaves_the_schedule_overview_calm(client, reader, responder):
    rehearsal = declare(responder, title="Rehearsed recall", is_drill=True)
    later = timezone.now() + timedelta(minutes=20)
    assert overdue_at(rehearsal, later)
    client.force_login(reader)
    with time_machine.travel(later):
        page = html(client.get(reverse("dashboard")))
    assert 'data-testid="overdue-count">0<' in page
    assert "No SEV1 or SEV2 incident is open." in page


def test_the_overdue_figure_keeps_a_deadline_of_no_incident_and_leaves_out_a_drills(
    reader, responder
):
    rehearsal = declare(responder, title="Rehearsed recall", is_drill=True)
    now = timezone.now()
    Deadline.objects.create(
        kind=Deadline.Kind.ACKNOWLEDGE,
        subject="mention:1",
        title="Reply to the customer",
        anchor_at=now,
        due_at=now + timedelta(minutes=5),
    )
    later = now + timedelta(minutes=20)
    assert overdue_at(rehearsal, later)
    with time_machine.travel(later):
        assert schedule_selectors.overdue_count(user=reader) == 1


# --- action items and postmortems -------------------------------------------------------------


def resolved(actor, *, title: str, is_drill: bool = False) -> Postmortem:
    """A resolved SEV3 with its postmortem started: by resolving it, or for a drill (whose
    record is its report, so resolving starts none) by a person who writes one anyway."""
    incident = team_flows.incident_declare(actor=actor, title=title, severity=3, is_drill=is_drill)
    postmortem_flows.incident_transition(actor=actor, incident=incident, to=Status.RESPONDING)
    postmortem_flows.incident_transition(actor=actor, incident=incident, to=Status.RESOLVED)
    if is_drill:
        assert not Postmortem.objects.filter(incident=incident).exists()
        return postmortem_services.postmortem_start(actor=actor, incident=incident)
    return Postmortem.objects.get(incident=incident)


def overdue_item(actor, postmortem: Postmortem, *, title: str, owner) -> ActionItem:
    item = postmortem_services.action_item_add(
        actor=actor,
        postmortem=postmortem,
        title=title,
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=7),
        kind=ActionItem.Kind.TRAINING,
    )
    ActionItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    return item


@pytest.fixture
def postmortems(manager, responder, responder2) -> tuple[Postmortem, Postmortem]:
    """A real postmortem and a drill's, each with an overdue action item (the drill's owned by
    someone who owns nothing else)."""
    real = resolved(manager, title="Battery fire")
    drill = resolved(manager, title="Rehearsed recall", is_drill=True)
    overdue_item(manager, real, title="Train the desk on verification", owner=responder)
    overdue_item(manager, drill, title="Rehearsed follow-up", owner=responder2)
    return real, drill


def test_a_drills_action_items_are_left_out_of_the_dashboards_counts(client, reader, postmortems):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    overview = between(page, 'data-testid="action-items-overview"', "</div>")
    assert "1 open action item<" in overview
    assert re.search(r'data-testid="action-items-overdue">1 overdue<', overview)


def test_a_drills_action_items_are_left_out_of_the_action_items_page(
    client, reader, responder2, postmortems
):
    client.force_login(reader)
    response = client.get(reverse("postmortems:action-items"))
    assert response.context["page"].paginator.count == 1
    assert "Train the desk on verification" in html(response)
    assert "Rehearsed follow-up" not in html(response)
    assert responder2 not in response.context["owners"]
    overdue = client.get(reverse("postmortems:action-items"), {"overdue": "1"})
    assert overdue.context["page"].paginator.count == 1


def test_a_drills_postmortem_is_left_out_of_the_postmortem_list(
    client, api_as, reader, postmortems
):
    real, drill = postmortems
    client.force_login(reader)
    response = client.get(reverse("postmortems:list"))
    assert list(response.context["page"].object_list) == [real]
    assert "1 postmortem<" in html(response)
    rows = api_as(reader).get("/api/v1/postmortems/").json()["results"]
    assert [row["id"] for row in rows] == [real.pk]
    # Its page is still there, linked from the drill's war room.
    assert client.get(drill.get_absolute_url()).status_code == 200


# --- a real incident's mention baseline -------------------------------------------------------

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_a_real_incidents_baseline_leaves_out_a_drill_accounts_posts(manager):
    brand = SocialAccountFactory.create()
    rehearsal = drill_account()
    with time_machine.travel(T0, tick=False):
        incident = team_flows.incident_declare(
            actor=manager, title="Viral video", severity=2, detected_at=T0
        )
    for day in range(-14, 0):
        posted_at = T0 + timedelta(days=day, hours=1)
        InboundPostFactory.create_batch(2, account=brand, posted_at=posted_at)
        InboundPostFactory.create_batch(10, account=rehearsal, posted_at=posted_at)
    InboundPostFactory.create_batch(
        5, account=brand, incident=incident, posted_at=T0 + timedelta(hours=2)
    )
    # A rehearsed post linked to the real incident: its account is one the incident was about.
    InboundPostFactory.create(
        account=rehearsal, incident=incident, posted_at=T0 + timedelta(hours=2)
    )
    recovery = facts.image_recovery(incident, today=(T0 + timedelta(days=1)).date())
    assert recovery["baseline"] == 2
    assert {d["count"] for d in recovery["days"] if d["phase"] == "before"} == {2}
    assert next(d["count"] for d in recovery["days"] if d["day"] == T0.date().isoformat()) == 5


def test_a_drills_own_baseline_is_its_drill_accounts(manager):
    rehearsal = drill_account()
    with time_machine.travel(T0, tick=False):
        incident = team_flows.incident_declare(
            actor=manager, title="Rehearsed recall", severity=2, detected_at=T0, is_drill=True
        )
    for day in range(-14, 0):
        InboundPostFactory.create_batch(
            3, account=rehearsal, posted_at=T0 + timedelta(days=day, hours=1)
        )
    InboundPostFactory.create(
        account=rehearsal, incident=incident, posted_at=T0 + timedelta(hours=2)
    )
    recovery = facts.image_recovery(incident, today=(T0 + timedelta(days=1)).date())
    assert recovery["baseline"] == 3
