"""The response schedule's pages: a deadline (acknowledge, snooze), the war room's deadlines
panel, the incident list's next-due column, the dashboard, my deadlines, the overdue overview,
the policies, the engine's health and /readyz."""

import re
from datetime import UTC, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from config.celery_app import QUEUES
from config.tasks import HEARTBEAT_KEY, worker_heartbeat
from incidents.models import Incident, TimelineEvent, WarRoomPart
from postmortems.flows import incident_transition
from teams import flows
from teams.models import Deadline, DeadlineStep, EngineHealth, IncidentPlan, ResponsePolicy
from teams.schedule import engine
from tests.teams.factories import UserFactory, declared_for

pytestmark = pytest.mark.django_db

K = Deadline.Kind
ROLES = ["reader", "responder", "manager", "admin_user"]


def html(response) -> str:
    return response.content.decode()


def declare(actor, *, severity: int = 1, title: str = "Viral video claims a bad batch") -> Incident:
    return declared_for(
        actor,
        title=title,
        severity=severity,
        detected_at=timezone.now() - timedelta(minutes=30),
    )


def deadline_of(incident: Incident, kind: str) -> Deadline:
    return Deadline.objects.get(incident=incident, kind=kind, met_at=None, cancelled_at=None)


def url(deadline: Deadline, action: str = "") -> str:
    name = f"teams:deadline-{action}" if action else "teams:deadline"
    return reverse(name, kwargs={"pk": deadline.pk})


def panel_url(incident: Incident) -> str:
    return reverse("teams:incident-deadlines", kwargs={"reference": incident.reference})


def checklist_deadline(incident: Incident, n: int, *, due_in: timedelta) -> Deadline:
    return engine.deadline_plan(
        kind=K.CHECKLIST_ITEM,
        subject=f"test-item:{incident.pk}:{n}",
        title=f"{incident.reference}: task {n}",
        due_at=timezone.now() + due_in,
        incident=incident,
        owner=UserFactory.create(),
    )


def published(incident: Incident, at=None) -> Incident:
    """A public statement of the incident went out (as publishing records it)."""
    at = at or timezone.now()
    Incident.objects.filter(pk=incident.pk).update(first_response_at=at)
    incident.refresh_from_db()
    engine.public_update_published(incident=incident, at=at, by=incident.declared_by)
    return incident


@pytest.fixture
def incident(responder):
    """A SEV1 declared by the responder, its crisis lead: acknowledge due in 5 minutes, the
    first statement in 15."""
    return declare(responder)


# --- the deadline page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_reads_the_schedule_pages(client, request, incident, role):
    client.force_login(request.getfixturevalue(role))
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    for path in [
        url(acknowledge),
        panel_url(incident),
        reverse("teams:my-deadlines"),
        reverse("teams:deadlines-overdue"),
        reverse("teams:policies"),
        reverse("teams:policy", kwargs={"severity": 1}),
    ]:
        assert client.get(path).status_code == 200, path


def test_the_deadline_page_shows_the_promise_its_chain_and_who_is_told_next(
    client, reader, responder, incident
):
    client.force_login(reader)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    page = html(client.get(url(acknowledge)))
    assert acknowledge.title in page
    assert f'href="{incident.get_absolute_url()}"' in page
    assert "Acknowledge the incident" in page  # the kind
    assert str(responder) in page  # the owner, the crisis lead
    assert re.search(
        r'data-testid="deadline-status">\s*<span class="badge text-bg-primary">open', page
    )
    # The SEV1 chain: a reminder 2 min before, at the due time, +5, +10, then 3 repeats.
    assert page.count('data-testid="chain-step"') == acknowledge.step_count == 7
    assert "chain-step-next" in page
    assert "reminder" in page
    assert "repeat 3" in page
    assert "on call: Communications lead" in page
    next_notified = page.split('data-testid="next-notified"')[1].split("</p>")[0]
    assert "Next: a reminder" in next_notified
    assert f"the deadline&#x27;s owner ({responder})" in next_notified


def test_an_overdue_deadline_is_red_and_shows_the_steps_that_fired(client, reader, incident):
    client.force_login(reader)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        engine.deadlines_sweep()
        page = html(client.get(url(acknowledge)))
    assert '<span class="badge text-bg-danger">overdue</span>' in page
    assert "text-danger fw-semibold" in page
    fired = DeadlineStep.objects.filter(deadline=acknowledge).count()
    assert fired >= 1
    assert page.count("chain-step-fired") == fired
    assert "re-driven by the sweeper" in page


def test_met_and_cancelled_deadlines_say_so(client, reader, responder, incident):
    client.force_login(reader)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    statement = deadline_of(incident, K.FIRST_STATEMENT)
    flows.incident_acknowledge(actor=responder, incident=incident)
    page = html(client.get(url(acknowledge)))
    assert '<span class="badge text-bg-success">met</span>' in page
    assert "the deadline is closed" in page
    incident_transition(
        actor=UserFactory(is_superuser=True), incident=incident, to="declined", reason="A prank"
    )
    page = html(client.get(url(statement)))
    assert '<span class="badge text-bg-secondary">cancelled</span>' in page
    assert "The incident was Declined (false alarm)." in page
    assert 'data-testid="acknowledge-form"' not in page


def test_a_deadline_without_owner_says_the_crisis_lead_is_told_instead(client, reader, incident):
    client.force_login(reader)
    orphan = engine.deadline_plan(
        kind=K.CHECKLIST_ITEM,
        subject="test-item:orphan",
        title="Call the regulator",
        due_at=timezone.now() + timedelta(minutes=30),
        incident=incident,
    )
    page = html(client.get(url(orphan)))
    assert "nobody: the crisis lead answers" in page
    assert "the deadline&#x27;s owner (no owner: the crisis lead)" in page


def test_a_deadline_that_does_not_exist_is_a_404(client, reader):
    client.force_login(reader)
    assert client.get(reverse("teams:deadline", kwargs={"pk": 999999})).status_code == 404


# --- acknowledge and snooze ------------------------------------------------------------------


def test_a_reader_sees_no_forms_and_may_not_acknowledge_or_snooze(client, reader, incident):
    client.force_login(reader)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    page = html(client.get(url(acknowledge)))
    assert 'data-testid="acknowledge-form"' not in page
    assert 'data-testid="snooze-form"' not in page
    response = client.post(url(acknowledge, "acknowledge"), {"reason": "On it"})
    assert response.status_code == 403
    assert "acknowledge or snooze" in html(response)
    response = client.post(url(acknowledge, "snooze"), {"minutes": 15, "reason": "Later"})
    assert response.status_code == 403
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_at is None
    assert acknowledge.snoozed_until is None


def test_a_responder_acknowledges_in_one_click_and_the_chain_stops(client, responder2, incident):
    client.force_login(responder2)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    page = html(client.get(url(acknowledge)))
    assert 'data-testid="acknowledge-form"' in page
    assert f'action="{url(acknowledge, "acknowledge")}"' in page
    response = client.post(url(acknowledge, "acknowledge"), {"reason": "Calling the lead"})
    assert response.status_code == 302
    assert response["Location"] == url(acknowledge)
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_by == responder2
    assert acknowledge.next_step is None
    assert TimelineEvent.objects.filter(
        incident=incident, kind=TimelineEvent.Kind.SCHEDULE, text__contains="Calling the lead"
    ).exists()
    page = html(client.get(url(acknowledge)))
    assert "Escalation acknowledged" in page
    assert "Nobody else will be told: the escalation is acknowledged." in page
    assert 'data-testid="acknowledge-form"' not in page


def test_acknowledging_needs_a_reason(client, responder, incident):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    response = client.post(url(acknowledge, "acknowledge"), {"reason": "  "})
    assert response.status_code == 200
    page = html(response)
    form = page.split('data-testid="acknowledge-form"')[1].split("</form>")[0]
    assert "is-invalid" in form
    assert "Say why, for the timeline." in form
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_at is None


def test_a_responder_snoozes_the_next_step(client, responder, incident):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    before = timezone.now()
    response = client.post(url(acknowledge, "snooze"), {"minutes": "15", "reason": "In a call"})
    assert response.status_code == 302
    acknowledge.refresh_from_db()
    assert acknowledge.snoozed_until >= before + timedelta(minutes=15)
    assert acknowledge.next_step_at >= acknowledge.snoozed_until
    page = html(client.get(url(acknowledge)))
    assert "Escalation snoozed for 15 minutes." in page
    assert "Snoozed until" in page


@pytest.mark.parametrize("minutes", ["7", "0", "-5", "", "soon"])
def test_snoozing_for_minutes_not_offered_is_a_field_error(client, responder, incident, minutes):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    response = client.post(url(acknowledge, "snooze"), {"minutes": minutes, "reason": "Busy"})
    assert response.status_code == 200
    form = html(response).split('data-testid="snooze-form"')[1].split("</form>")[0]
    minutes_field = form.split('id="snooze-minutes"')[0].rsplit("<select", 1)[1]
    assert "is-invalid" in minutes_field
    assert "Snooze for one of 5, 10, 15, 30, 60, 120, 240 minutes." in form
    acknowledge.refresh_from_db()
    assert acknowledge.snoozed_until is None


def test_snoozing_needs_a_reason(client, responder, incident):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    response = client.post(url(acknowledge, "snooze"), {"minutes": "15", "reason": ""})
    form = html(response).split('data-testid="snooze-form"')[1].split("</form>")[0]
    assert "Say why, for the timeline." in form
    acknowledge.refresh_from_db()
    assert acknowledge.snoozed_until is None


def test_acting_on_a_closed_deadline_is_refused_in_words(client, responder, incident):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    stale = client.get(url(acknowledge))  # the page was open…
    assert 'data-testid="acknowledge-form"' in html(stale)
    flows.incident_acknowledge(actor=responder, incident=incident)  # …when the lead acted
    response = client.post(url(acknowledge, "acknowledge"), {"reason": "On it"}, follow=True)
    page = html(response)
    assert "This deadline is no longer open." in page
    assert '<span class="badge text-bg-success">met</span>' in page
    acknowledge.refresh_from_db()
    assert acknowledge.acknowledged_at is None


def test_acknowledge_and_snooze_answer_only_posts(client, responder, incident):
    client.force_login(responder)
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    assert client.get(url(acknowledge, "acknowledge")).status_code == 405
    assert client.get(url(acknowledge, "snooze")).status_code == 405


# --- the war room's panel ---------------------------------------------------------------------


def test_the_war_room_shows_the_deadlines_panel(client, reader, incident):
    client.force_login(reader)
    page = html(client.get(incident.part_url(WarRoomPart.DEADLINES)))
    assert 'id="deadlines-panel"' in page
    assert f'hx-get="{panel_url(incident)}"' in page
    assert "/static/js/countdown.js" in page


def test_the_panel_refreshes_itself_and_counts_down_to_each_open_deadline(
    client, reader, responder, incident
):
    client.force_login(reader)
    response = client.get(panel_url(incident), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith('<div id="deadlines-panel"')
    assert re.search(r'hx-trigger="every \d+s', page)
    assert page.count('data-testid="deadline"') == 2
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)
    due = acknowledge.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'datetime="{due}" data-countdown' in page
    assert f'href="{url(acknowledge)}"' in page
    assert "Reminder" in page
    assert f"the deadline&#x27;s owner ({responder})" in page
    assert "text-bg-danger" not in page
    assert "deadline-overdue" not in page


def test_the_panel_shows_overdue_deadlines_in_red_and_who_is_escalated_to(client, reader, incident):
    client.force_login(reader)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        engine.deadlines_sweep()
        page = html(client.get(panel_url(incident)))
    rows = page.split('data-testid="deadline"')[1:]
    acknowledge_row = next(row for row in rows if "acknowledge the incident" in row)
    assert "deadline-overdue" in page
    assert '<span class="badge text-bg-danger">overdue</span>' in acknowledge_row
    assert "text-danger fw-semibold" in acknowledge_row
    assert "Escalation" in acknowledge_row
    assert "all managers" in acknowledge_row  # the +5 step after the owner and lead were told


def test_the_panel_has_an_empty_state(client, reader, responder):
    client.force_login(reader)
    watched = declare(responder, severity=4)  # no statement planned at SEV4
    flows.incident_acknowledge(actor=responder, incident=watched)
    page = html(client.get(panel_url(watched)))
    assert "No open deadline" in page
    assert 'data-testid="silence-clock"' not in page


def test_the_panel_of_an_unknown_incident_is_a_404(client, reader):
    client.force_login(reader)
    assert client.get("/incidents/INC-2000-9999/deadlines/").status_code == 404


def test_the_panel_costs_the_same_queries_for_two_deadlines_as_for_twenty(
    client, reader, incident, django_assert_max_num_queries
):
    client.force_login(reader)
    client.get(panel_url(incident))  # the session and the user are read once

    def count() -> int:
        # Signing in and the header: 6; the incident and its tags, its deadlines, the roles: 4.
        with django_assert_max_num_queries(10) as captured:
            assert client.get(panel_url(incident)).status_code == 200
        return len(captured)

    few = count()
    for n in range(18):
        checklist_deadline(incident, n, due_in=timedelta(minutes=n - 5))
    assert Deadline.objects.filter(incident=incident, met_at=None).count() == 20
    assert count() == few


# --- the public-silence clock -----------------------------------------------------------------


def test_the_silence_clock_counts_from_the_last_publication_to_the_next_update(
    client, reader, responder, incident
):
    client.force_login(reader)
    incident_transition(actor=responder, incident=incident, to="responding")
    spoke = timezone.now() - timedelta(minutes=12)
    published(incident, at=spoke)
    update = deadline_of(incident, K.NEXT_UPDATE)
    assert update.anchor_at == spoke
    page = html(client.get(panel_url(incident)))
    clock = page.split('data-testid="silence-clock"')[1].split('data-testid="deadlines"')[0]
    since = spoke.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'datetime="{since}" data-elapsed' in clock
    assert "since the last public update" in clock
    assert "Next update due" in clock
    assert f'href="{url(update)}"' in clock


def test_the_silence_clock_before_any_statement_counts_from_detection(
    client, reader, responder, incident
):
    client.force_login(reader)
    incident_transition(actor=responder, incident=incident, to="responding")
    page = html(client.get(panel_url(incident)))
    clock = page.split('data-testid="silence-clock"')[1]
    assert "no public statement yet" in clock
    assert "First statement due" in clock


@pytest.mark.parametrize("status", ["detected", "triaged"])
def test_the_silence_clock_runs_from_detection_before_anyone_responds(
    client, reader, responder, status
):
    """The public waits from the moment the incident is detected, not from when the team
    moves it to responding."""
    client.force_login(reader)
    found = declare(responder, severity=1)
    if status != "detected":
        incident_transition(actor=responder, incident=found, to=status)
    clock = html(client.get(panel_url(found))).split('data-testid="silence-clock"')[1]
    assert "no public statement yet" in clock
    assert "First statement due" in clock


@pytest.mark.parametrize("status", ["detected", "responding"])
def test_no_silence_clock_below_sev2(client, reader, responder, status):
    client.force_login(reader)
    found = declare(responder, severity=3)
    if status != "detected":
        incident_transition(actor=responder, incident=found, to=status)
    assert 'data-testid="silence-clock"' not in html(client.get(panel_url(found)))


# --- the incident list and the dashboard ------------------------------------------------------


def test_the_incident_list_shows_each_open_incidents_next_due_deadline(
    client, reader, responder, incident
):
    client.force_login(reader)
    quiet = declare(responder, severity=4, title="Something to watch")
    flows.incident_acknowledge(actor=responder, incident=quiet)
    closed = declare(responder, severity=3, title="A false alarm")
    incident_transition(
        actor=UserFactory(is_superuser=True), incident=closed, to="declined", reason="Prank"
    )
    page = html(client.get(reverse("incidents:list")))
    assert "Next due" in page
    cells = dict(
        re.findall(
            r'href="/incidents/(INC-[\d-]+)/">.*?data-testid="next-due">(.*?)</td>', page, re.S
        )
    )
    acknowledge = deadline_of(incident, K.ACKNOWLEDGE)  # due before the first statement
    assert f'href="{url(acknowledge)}"' in cells[incident.reference]
    assert "data-countdown" in cells[incident.reference]
    assert "—" in cells[quiet.reference]
    assert "—" in cells[closed.reference]
    assert "/static/js/countdown.js" in page


def test_the_incident_list_asks_for_next_deadlines_once_per_page(
    client, reader, responder, django_assert_max_num_queries
):
    client.force_login(reader)
    client.get(reverse("incidents:list"))

    def count() -> int:
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("incidents:list")).status_code == 200
        assert sum('"teams_deadline"' in q["sql"] for q in captured.captured_queries) == 1
        return len(captured)

    for n in range(2):
        declare(responder, title=f"Story {n}")
    few = count()
    for n in range(10):
        declare(responder, title=f"Story {n + 2}")
    assert count() == few


def test_the_incident_list_partial_shows_the_column_too(client, reader, incident):
    client.force_login(reader)
    page = html(client.get(reverse("incidents:list"), HTTP_HX_REQUEST="true"))
    assert 'data-testid="next-due"' in page


def test_the_dashboard_counts_overdue_deadlines_and_shows_the_silence_clocks(
    client, reader, responder, manager, incident
):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    assert re.search(r'data-testid="overdue-count">0<', page)
    assert incident.reference in page.split('data-testid="silence-clocks"')[1].split("</ul>")[0]
    incident_transition(actor=manager, incident=incident, to="declined", reason="False alarm")
    page = html(client.get(reverse("dashboard")))
    assert "No SEV1 or SEV2 incident is open." in page
    incident = declare(responder, severity=1)
    incident_transition(actor=responder, incident=incident, to="responding")
    minor = declare(responder, severity=3, title="A minor complaint")
    incident_transition(actor=responder, incident=minor, to="responding")
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        page = html(client.get(reverse("dashboard")))
    # SEV1: acknowledge and the first statement are missed; SEV3: its acknowledgement too
    # (moving it to responding acknowledged it: nothing of it is overdue).
    overdue = Deadline.objects.filter(
        met_at=None, cancelled_at=None, due_at__lt=timezone.now() + timedelta(minutes=20)
    ).count()
    assert re.search(rf'data-testid="overdue-count">{overdue}<', page)
    clocks = page.split('data-testid="silence-clocks"')[1].split("</ul>")[0]
    assert incident.reference in clocks
    assert minor.reference not in clocks
    assert "no statement yet" in clocks
    assert "/static/js/countdown.js" in page


def test_the_dashboard_overview_costs_three_queries(
    client, reader, responder, django_assert_max_num_queries
):
    client.force_login(reader)
    client.get(reverse("dashboard"))

    def count() -> int:
        with django_assert_max_num_queries(20) as captured:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    first = declare(responder)
    incident_transition(actor=responder, incident=first, to="responding")
    few = count()
    for n in range(5):
        more = declare(responder, severity=2, title=f"Story {n}")
        incident_transition(actor=responder, incident=more, to="responding")
    assert count() == few


# --- my deadlines and the overdue overview ----------------------------------------------------


def test_my_deadlines_lists_mine_by_due_time_overdue_first(client, responder, manager, incident):
    client.force_login(responder)
    someone_elses = declare(manager, title="Not mine")
    later = checklist_deadline(incident, 1, due_in=timedelta(hours=2))
    later.owner = responder
    later.save()
    missed = checklist_deadline(incident, 2, due_in=timedelta(minutes=-30))
    missed.owner = responder
    missed.save()
    page = html(client.get(reverse("teams:my-deadlines")))
    order = [
        missed.title,
        deadline_of(incident, K.ACKNOWLEDGE).title,
        deadline_of(incident, K.FIRST_STATEMENT).title,
        later.title,
    ]
    positions = [page.index(title) for title in order]
    assert positions == sorted(positions)
    assert someone_elses.reference not in page
    first_row = page.split('data-testid="deadline"')[1]
    assert "text-bg-danger" in first_row
    assert missed.title in first_row


def test_my_deadlines_has_an_empty_state(client, reader, incident):
    client.force_login(reader)
    page = html(client.get(reverse("teams:my-deadlines")))
    assert "You own no open deadline." in page


def test_the_overdue_overview_pages_and_filters_by_incident(client, manager, responder, incident):
    client.force_login(manager)
    other = declare(responder, title="Another story")
    for n in range(27):
        checklist_deadline(incident, n, due_in=timedelta(minutes=-60 + n))
    checklist_deadline(other, 99, due_in=timedelta(minutes=-90))
    checklist_deadline(other, 100, due_in=timedelta(minutes=30))  # not overdue
    page = html(client.get(reverse("teams:deadlines-overdue")))
    assert "28 overdue" in page
    assert page.count('data-testid="deadline"') == 25
    assert "Page 1 of 2" in page
    assert page.index(f"{other.reference}: task 99") < page.index(f"{incident.reference}: task 0")
    second = html(client.get(reverse("teams:deadlines-overdue"), {"page": 2}))
    assert second.count('data-testid="deadline"') == 3
    only = html(client.get(reverse("teams:deadlines-overdue"), {"incident": other.reference}))
    assert "1 overdue" in only
    assert f"{other.reference}: task 99" in only
    assert f"{incident.reference}: task 0" not in only
    assert f"{other.reference}: task 100" not in only
    assert f'<option value="{other.reference}" selected>' in only
    calm = declare(responder, title="Nothing overdue here")
    none = html(client.get(reverse("teams:deadlines-overdue"), {"incident": calm.reference}))
    assert "Nothing is overdue." in none


def test_the_overdue_overview_has_an_empty_state(client, manager, incident):
    client.force_login(manager)
    page = html(client.get(reverse("teams:deadlines-overdue")))
    assert "Nothing is overdue." in page


def test_the_overdue_overview_costs_the_same_for_three_rows_as_for_twenty(
    client, manager, incident, django_assert_max_num_queries
):
    client.force_login(manager)
    path = reverse("teams:deadlines-overdue")
    client.get(path)

    def count() -> int:
        # The header's pauses in force and, for a manager, the stop switch's accounts: 2.
        with django_assert_max_num_queries(14) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    for n in range(3):
        checklist_deadline(incident, n, due_in=timedelta(minutes=-10))
    few = count()
    for n in range(3, 20):
        checklist_deadline(incident, n, due_in=timedelta(minutes=-10))
    assert count() == few


def test_the_nav_links_to_the_schedule(client, reader, manager):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    for name in ("teams:my-deadlines", "teams:deadlines-overdue", "teams:policies"):
        assert f'href="{reverse(name)}"' in page
    assert reverse("teams:schedule-health") not in page
    client.force_login(manager)
    assert reverse("teams:schedule-health") in html(client.get(reverse("dashboard")))


# --- policies -----------------------------------------------------------------------------------


def step_rows(rows: list[tuple[object, list[str]]], total: int = 4) -> dict[str, object]:
    data: dict[str, object] = {
        "steps-TOTAL_FORMS": str(total),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "10",
    }
    for n, (offset, targets) in enumerate(rows):
        data[f"steps-{n}-offset_minutes"] = "" if offset is None else str(offset)
        data[f"steps-{n}-targets"] = targets
    return data


GOOD_CHAIN = [(-1, ["owner"]), (0, ["owner", "crisis_lead"]), (3, ["managers"])]


def policy_post(rows=GOOD_CHAIN, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "acknowledge_minutes": "4",
        "statement_minutes": "10",
        "update_minutes": "20",
        "mention_reply_minutes": "45",
        "mention_reply_by_reach": "50000=5, 1000=20",
        "approvals_required": "2",
        "repeat_minutes": "5",
        "repeat_times": "2",
        **step_rows(rows),
    }
    data.update(overrides)
    return data


def edit_url(severity: int = 1) -> str:
    return reverse("teams:policy-edit", kwargs={"severity": severity})


def test_the_policies_say_running_incidents_keep_their_copy(client, reader):
    client.force_login(reader)
    page = html(client.get(reverse("teams:policies")))
    for severity in (1, 2, 3, 4):
        assert f'data-testid="policy-sev{severity}"' in page
    assert "running incidents keep the copy they started with" in page
    assert "2 min before due (reminder): the deadline&#x27;s owner" in page
    assert "10,000+ followers: 15 min" in page
    assert "-2 min" not in page
    assert "on call: Communications lead" in page
    assert edit_url() not in page
    detail = html(client.get(reverse("teams:policy", kwargs={"severity": 1})))
    assert "Running incidents keep the copy" in detail
    assert edit_url() not in detail


def test_the_policies_list_costs_a_fixed_number_of_queries(
    client, reader, django_assert_max_num_queries
):
    client.force_login(reader)
    client.get(reverse("teams:policies"))
    with django_assert_max_num_queries(11):  # with the header's pauses in force
        assert client.get(reverse("teams:policies")).status_code == 200


def test_an_unknown_severity_has_no_policy(client, reader):
    client.force_login(reader)
    assert client.get(reverse("teams:policy", kwargs={"severity": 9})).status_code == 404


@pytest.mark.parametrize("role", ["reader", "responder", "manager"])
def test_only_admins_edit_policies(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(edit_url()).status_code == 403
    response = client.post(edit_url(), policy_post())
    assert response.status_code == 403
    assert "edit the response policies" in html(response)
    assert ResponsePolicy.objects.get(severity=1).acknowledge_minutes == 5


def test_an_admin_edits_a_policy_and_running_incidents_keep_their_copy(
    client, admin_user, incident
):
    client.force_login(admin_user)
    page = html(client.get(edit_url()))
    assert edit_url() in html(client.get(reverse("teams:policies")))
    assert 'data-testid="running-incidents-note"' in page
    assert 'value="5"' in page  # the current acknowledge time
    assert page.count('data-testid="step-row"') == 6  # 4 steps and 2 empty rows
    response = client.post(edit_url(), policy_post())
    assert response.status_code == 302, html(response)
    policy = ResponsePolicy.objects.get(severity=1)
    assert policy.acknowledge_minutes == 4
    assert policy.mention_reply_by_reach == {"50000": 5, "1000": 20}
    assert policy.updated_by == admin_user
    assert [(s.offset_minutes, s.targets) for s in policy.steps.all()] == [
        (-1, ["owner"]),
        (0, ["owner", "crisis_lead"]),
        (3, ["managers"]),
    ]
    assert IncidentPlan.objects.get(incident=incident).policy["acknowledge_minutes"] == 5
    follow = html(client.get(response["Location"]))
    assert "running incidents keep the copy they started with" in follow


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"acknowledge_minutes": "-5"}, "acknowledge_minutes", "between 1 minute and a week"),
        ({"acknowledge_minutes": ""}, "acknowledge_minutes", "This field is required."),
        ({"statement_minutes": "0"}, "statement_minutes", "between 1 minute and a week"),
        ({"approvals_required": "9"}, "approvals_required", "between 1 and 5 approvals"),
        ({"repeat_times": "99"}, "repeat_times", "between 0 and 24 times"),
        ({"mention_reply_by_reach": "lots"}, "mention_reply_by_reach", "followers=minutes"),
        ({"mention_reply_by_reach": "1000=-3"}, "mention_reply_by_reach", "1 minute and a week"),
    ],
)
def test_a_bad_duration_is_shown_on_its_field(client, admin_user, change, field, message):
    client.force_login(admin_user)
    response = client.post(edit_url(), policy_post(**change))
    assert response.status_code == 200
    block = html(response).split(f'id="div_id_{field}"')[1].split('id="div_id_')[0]
    assert "is-invalid" in block
    assert message in block.split(f'id="id_{field}_error"')[1]
    assert ResponsePolicy.objects.get(severity=1).acknowledge_minutes == 5


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(-10, ["owner"]), (-2, ["owner"])], "reminders alone escalate nobody"),
        ([], "A chain needs at least one step."),
        ([(0, ["owner"]), (0, ["managers"])], "Step 2 must come after the step before it."),
        ([(0, [])], "Step 1: choose whom it notifies."),
        ([(None, ["managers"])], "Step 1: give its minutes from the due time."),
    ],
)
def test_a_bad_chain_is_shown_on_the_chain(client, admin_user, rows, message):
    client.force_login(admin_user)
    before = list(ResponsePolicy.objects.get(severity=1).steps.values_list("offset_minutes"))
    response = client.post(edit_url(), policy_post(rows))
    assert response.status_code == 200
    chain_error = html(response).split('data-testid="chain-error">')[1].split("</div>")[0]
    assert message in chain_error
    policy = ResponsePolicy.objects.get(severity=1)
    assert list(policy.steps.values_list("offset_minutes")) == before
    assert policy.acknowledge_minutes == 5


def test_a_step_row_keeps_what_was_typed_after_an_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(edit_url(), policy_post([(-10, ["managers"])]))
    page = html(response)
    assert 'name="steps-0-offset_minutes" value="-10"' in page
    assert re.search(r'name="steps-0-targets" value="managers"[^>]*checked', page)


# --- the engine's health and /readyz ----------------------------------------------------------


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_the_engine_health_page_is_for_managers_and_admins(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("teams:schedule-health")).status_code == 403


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_managers_and_admins_see_the_engine_health(client, request, role, incident):
    client.force_login(request.getfixturevalue(role))
    page = html(client.get(reverse("teams:schedule-health")))
    assert "needs attention" in page
    assert "never: is Celery beat running?" in page
    engine.deadlines_sweep()
    page = html(client.get(reverse("teams:schedule-health")))
    assert 'data-testid="engine-state">healthy' in page
    assert re.search(r"Open deadlines</dt>\s*<dd[^>]*>2<", page)


@pytest.fixture
def workers():
    for queue in QUEUES:
        worker_heartbeat(queue)
    yield
    cache.delete_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])


def test_readyz_reports_the_schedule_and_keeps_its_checks(client, admin_user, workers):
    client.force_login(admin_user)
    response = client.get("/readyz")
    body = response.json()
    assert set(body) == {"status", "checks", "schedule"}
    assert set(body["checks"]) == {"database", "broker", "worker"}
    # No sweep yet: unhealthy, reported, but the site still serves (see desk/health.py).
    assert body["schedule"]["healthy"] is False
    assert body["schedule"]["last_sweep_at"] is None
    assert response.status_code == 200
    assert body["status"] == "ok"
    engine.deadlines_sweep()
    body = client.get("/readyz").json()
    assert body["schedule"]["healthy"] is True
    assert body["schedule"]["backlog"] == 0


def test_readyz_shows_a_stale_sweeper(client, admin_user, workers, settings):
    client.force_login(admin_user)
    engine.deadlines_sweep()
    EngineHealth.objects.update(
        last_sweep_at=timezone.now()
        - timedelta(seconds=settings.SCHEDULE_SWEEP_MAX_AGE_SECONDS + 5)
    )
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["schedule"]["healthy"] is False
    assert (
        response.json()["schedule"]["seconds_since_sweep"] > settings.SCHEDULE_SWEEP_MAX_AGE_SECONDS
    )


def test_readyz_is_still_503_without_a_worker(client, admin_user):
    client.force_login(admin_user)
    cache.delete_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert "schedule" in response.json()


@pytest.mark.parametrize(
    "value", ["9" * 60, "1e309", "-1", "x" * 5000, "2026-02-30", "²", "10**30=5", "=", "5=5=5"]
)
@pytest.mark.parametrize(
    "field",
    [
        "acknowledge_minutes",
        "statement_minutes",
        "mention_reply_by_reach",
        "approvals_required",
        "repeat_times",
        "steps-0-offset_minutes",
        "steps-0-targets",
        "steps-TOTAL_FORMS",
    ],
)
def test_hostile_policy_input_is_refused_in_words(client, admin_user, field, value):
    client.force_login(admin_user)
    client.raise_request_exception = True
    response = client.post(edit_url(), policy_post(**{field: value}))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert re.search(r'is-invalid|role="alert"', html(response))
