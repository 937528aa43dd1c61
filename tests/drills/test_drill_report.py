"""A drill's report against the response policy, finishing a drill, and the report's page and
panel: each target met, missed or not yet, with known times (time travel)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from communications.messaging import publishing
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import InboundPost, Message, SocialAccount
from config.errors import NotPermitted
from drills import report as drills
from drills.measures import DrillReport, DrillTarget
from drills.models import Drill, DrillRun
from incidents import services as incident_services
from incidents.models import ClaimStatus, Incident, TimelineEvent
from teams import flows as team_flows
from teams.models import IncidentPlan
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.teams.factories import DrillFactory, declared_for

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
MET, MISSED, NOT_YET = drills.MET, drills.MISSED, drills.NOT_YET

SCENARIO = """
title: Batch 24-117 storm
language: en
severity: 2
summary: Parents say a batch made children sick.
events:
  - at: "0:00"
    kind: mention
    author: worried_mum
    followers: 2300
    text: "@juicebrand is batch 24-117 safe?"
  - at: "1:00"
    kind: rumour
    author: gossip
    followers: 90
    text: "They found glass in the bottles!"
    claim: There is glass in batch 24-117.
  - at: "2:00"
    kind: rumour
    author: gossip2
    followers: 90
    text: "The factory is closed!"
    claim: The factory was closed by inspectors.
  - at: "3:00"
    kind: journalist
    author: newsdesk_live
    followers: 125000
    text: "@juicebrand do you have a statement?"
"""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def drill_run(actor: Any, *, incident: Incident | None = None) -> DrillRun:
    drill = DrillFactory.create(created_by=actor, title="Batch storm", held_at=T0)
    account = SandboxAccountFactory.create(handle=f"juice_drill{drill.pk}", is_drill=True)
    return DrillRun.objects.create(
        drill=drill,
        scenario_name="product_safety_en",
        scenario_text=SCENARIO,
        started_by=actor,
        started_at=T0,
        account=account,
        incident=incident,
    )


def drill_incident(actor: Any) -> Incident:
    """A SEV2 drill incident detected at T0, on a known policy: acknowledge in 15 min, first
    statement in 60, updates every 60, mentions from 1,000 followers in 30 min and from 10,000
    in 15, one approval. Declared by a colleague for ``actor`` to lead: not acknowledged yet."""
    with time_machine.travel(T0, tick=False):
        incident = declared_for(
            actor, title="Batch storm", severity=2, detected_at=T0, is_drill=True
        )
    plan = IncidentPlan.objects.get(incident=incident)
    plan.policy = {
        **plan.policy,
        "acknowledge_minutes": 15,
        "statement_minutes": 60,
        "update_minutes": 60,
        "mention_reply_minutes": 60,
        "mention_reply_by_reach": {"1000": 30, "10000": 15},
        "approvals_required": 1,
    }
    plan.save(update_fields=["policy"])
    return incident


def run_with_incident(actor: Any) -> DrillRun:
    return drill_run(actor, incident=drill_incident(actor))


def acknowledged(actor: Any, incident: Incident, minutes: float) -> None:
    with time_machine.travel(at(minutes), tick=False):
        team_flows.incident_acknowledge(actor=actor, incident=incident)


def target(report: DrillReport, key: str) -> DrillTarget:
    [row] = [row for row in report["targets"] if row["key"] == key]
    return row


def report_at(run: DrillRun, minutes: float) -> DrillReport:
    run.refresh_from_db()
    return drills.drill_report(run, now=at(minutes))


def html(response) -> str:
    return response.content.decode()


# --- the report -----------------------------------------------------------------------------


def test_acknowledged_within_the_target_is_met(manager):
    run = run_with_incident(manager)
    assert target(report_at(run, 10), "acknowledge")["status"] == NOT_YET  # 15 min not over
    acknowledged(manager, run.incident, 3 + 10 / 60)
    row = target(report_at(run, 30), "acknowledge")
    assert (row["status"], row["measured_seconds"], row["target_seconds"]) == (MET, 190, 900)


def test_acknowledged_after_the_target_is_missed(manager):
    run = run_with_incident(manager)
    assert target(report_at(run, 16), "acknowledge")["status"] == MISSED  # still nobody
    acknowledged(manager, run.incident, 20)
    row = target(report_at(run, 30), "acknowledge")
    assert (row["status"], row["measured_seconds"]) == (MISSED, 20 * 60)


def test_the_first_approved_statement_published_is_measured(manager, manager2, responder):
    run = run_with_incident(manager)
    with time_machine.travel(at(5), tick=False):
        message = message_services.message_create(
            actor=responder,
            incident=run.incident,
            account=run.account,
            body="We are looking into reports about batch 24-117.",
        )
        message_services.message_submit(actor=responder, message=message)
    assert target(report_at(run, 8), "first_statement")["status"] == NOT_YET
    with time_machine.travel(at(9), tick=False):
        approvals.message_approve(actor=manager2, message=message)
    with time_machine.travel(at(12), tick=False):
        assert publishing.publish(message.pk) == "published"
    message.refresh_from_db()
    assert message.sandbox  # a drill never reaches X
    row = target(report_at(run, 20), "first_statement")
    assert (row["status"], row["measured_seconds"], row["target_seconds"]) == (
        MET,
        12 * 60,
        3600,
    )


def test_no_statement_by_the_target_is_missed(manager):
    run = run_with_incident(manager)
    row = target(report_at(run, 61), "first_statement")
    assert (row["status"], row["measured_seconds"]) == (MISSED, None)


def drill_post(run: DrillRun, followers: int, posted: float, replied: float | None = None):
    return InboundPostFactory.create(
        account=run.account,
        origin=InboundPost.Origin.DRILL,
        author_followers=followers,
        posted_at=at(posted),
        incident=run.incident,
        triage=InboundPost.Triage.REPLIED if replied is not None else InboundPost.Triage.NEW,
        triaged_at=at(replied) if replied is not None else None,
    )


def test_high_reach_mentions_are_measured_against_their_reach(manager):
    """48,200 followers: 15 min, answered after 20 (missed); 2,300: 30 min, answered after 10
    (met); 125,000 never answered (missed); 300 followers: below every threshold, not
    listed."""
    run = run_with_incident(manager)
    late = drill_post(run, 48_200, posted=1, replied=21)
    in_time = drill_post(run, 2_300, posted=2, replied=12)
    unanswered = drill_post(run, 125_000, posted=3)
    small = drill_post(run, 300, posted=4, replied=100)
    report = report_at(run, 60)
    mentions = {m["id"]: m for m in report["mentions"]}
    assert small.pk not in mentions
    assert set(mentions) == {late.pk, in_time.pk, unanswered.pk}
    assert (mentions[late.pk]["status"], mentions[late.pk]["target_seconds"]) == (MISSED, 900)
    assert mentions[late.pk]["measured_seconds"] == 20 * 60
    assert (mentions[in_time.pk]["status"], mentions[in_time.pk]["target_seconds"]) == (
        MET,
        1800,
    )
    assert (mentions[unanswered.pk]["status"], mentions[unanswered.pk]["outcome"]) == (
        MISSED,
        "unanswered",
    )
    assert target(report, "mentions")["status"] == MISSED


def test_an_unanswered_mention_within_its_time_is_not_yet(manager):
    run = run_with_incident(manager)
    drill_post(run, 48_200, posted=1)
    report = report_at(run, 10)
    assert [m["status"] for m in report["mentions"]] == [NOT_YET]
    assert target(report, "mentions")["status"] == NOT_YET


def cited(actor: Any, run: DrillRun, claim, minutes: float) -> Message:
    assert run.incident is not None
    with time_machine.travel(at(minutes), tick=False):
        message = message_services.message_create(
            actor=actor,
            incident=run.incident,
            account=run.account,
            body="We are checking what is said about batch 24-117.",
            cited_claims=[claim],
        )
        return message_services.message_submit(actor=actor, message=message)


def verified(actor: Any, claim, minutes: float) -> None:
    with time_machine.travel(at(minutes), tick=False):
        incident_services.claim_set_status(
            actor=actor, claim=claim, status=ClaimStatus.FALSE, evidence="Lab report 17."
        )


def test_a_message_citing_an_unverified_claim_is_missed(manager, responder):
    run = run_with_incident(manager)
    with time_machine.travel(at(2), tick=False):
        glass = incident_services.claim_add(
            actor=responder, incident=run.incident, statement="Glass in the bottles."
        )
        closed = incident_services.claim_add(
            actor=responder, incident=run.incident, statement="The factory is closed."
        )
    verified(responder, glass, 4)
    checked = cited(responder, run, glass, 5)  # verified first: fine
    hasty = cited(responder, run, closed, 6)
    verified(responder, closed, 8)  # too late for the message already sent for approval
    report = report_at(run, 10)
    by_message = {m["id"]: m for m in report["rumours"]["messages"]}
    assert by_message[checked.pk]["status"] == MET
    assert by_message[hasty.pk]["status"] == MISSED
    assert by_message[hasty.pk]["claims"][0]["verified_before"] is False
    assert (report["rumours"]["planted"], report["rumours"]["recorded"]) == (2, 2)
    assert target(report, "rumours")["status"] == MISSED


def test_rumours_verified_before_every_citing_message_are_met(manager, responder):
    run = run_with_incident(manager)
    with time_machine.travel(at(2), tick=False):
        glass = incident_services.claim_add(
            actor=responder, incident=run.incident, statement="Glass in the bottles."
        )
    verified(responder, glass, 3)
    cited(responder, run, glass, 5)
    assert target(report_at(run, 10), "rumours")["status"] == MET


def test_the_update_cadence_is_the_postmortems_fact(manager):
    run = run_with_incident(manager)
    report = report_at(run, 10)
    assert report["update_cadence"] == {"due": 0, "kept": 0, "missed": []}
    row = target(report, "update_cadence")
    assert (row["status"], row["target_seconds"]) == (NOT_YET, 3600)


def test_without_an_incident_every_target_is_not_yet(manager):
    run = drill_run(manager)
    report = drills.drill_report(run, now=at(120))
    assert report["incident"] is None
    assert [row["key"] for row in report["targets"]] == [
        "acknowledge",
        "first_statement",
        "mentions",
        "rumours",
        "update_cadence",
    ]
    assert {row["status"] for row in report["targets"]} == {NOT_YET}
    assert report["summary"] == {MET: 0, MISSED: 0, NOT_YET: 5}
    assert report["rumours"]["planted"] == 2
    assert report["moments"]["declared_at"] is None


def test_the_report_says_when_the_incident_was_declared_from_the_start(manager):
    with time_machine.travel(at(-4), tick=False):
        run = drill_run(manager)
    run.started_at = at(-4)
    run.save(update_fields=["started_at"])
    with time_machine.travel(T0, tick=False):
        incident = team_flows.incident_declare(
            actor=manager, title="Batch storm", severity=2, is_drill=True
        )
    run.incident = incident
    run.save(update_fields=["incident"])
    report = report_at(run, 10)
    assert report["moments"]["declared_after_seconds"] == 4 * 60
    assert report["moments"]["spike_alert_at"] is None


def test_the_report_is_plain_data(manager):
    import json

    run = run_with_incident(manager)
    drill_post(run, 48_200, posted=1, replied=5)
    report = report_at(run, 10)
    assert json.loads(json.dumps(report)) == report


# --- finishing ------------------------------------------------------------------------------


def test_finishing_keeps_the_report_writes_findings_and_stops_the_account(
    manager, manager2, responder
):
    run = run_with_incident(manager)
    Drill.objects.filter(pk=run.drill_id).update(findings="Legal joined late.")
    acknowledged(responder, run.incident, 20)  # late: 15 min target
    with time_machine.travel(at(5), tick=False):
        message = message_services.message_create(
            actor=responder, incident=run.incident, account=run.account, body="We are on it."
        )
        message_services.message_submit(actor=responder, message=message)
    with time_machine.travel(at(6), tick=False):
        approvals.message_approve(actor=manager2, message=message)
    with time_machine.travel(at(8), tick=False):
        publishing.publish(message.pk)

    with time_machine.travel(at(30), tick=False):
        finished = drills.drill_finish(actor=manager, run=run)
    assert finished.status == DrillRun.Status.FINISHED
    assert (finished.finished_at, finished.finished_by) == (at(30), manager)

    run.refresh_from_db()
    assert run.report["computed_at"] == at(30).isoformat()
    assert target(run.report, "acknowledge")["status"] == MISSED
    assert target(run.report, "first_statement")["status"] == MET

    drill = Drill.objects.get(pk=run.drill_id)
    assert drill.findings.startswith("Legal joined late.\n\n")  # what a person typed stays
    assert "Missed: acknowledged in 20 min (target 15 min)" in drill.findings
    assert "Met: first public statement in 8 min (target 1 h)" in drill.findings
    declarer = run.incident.declared_by
    assert {declarer, manager2, responder} <= set(drill.participants.all())

    assert SocialAccount.objects.get(pk=run.account_id).is_active is False
    note = run.incident.events.get(kind=TimelineEvent.Kind.NOTE, data__drill_run=run.pk)
    assert note.actor == manager


def test_finishing_closes_the_drill_incident_with_no_postmortem_and_nobody_paged(manager):
    """A SEV2 drill incident is closed without a postmortem or waiver; its open deadlines
    (acknowledge, first statement…) are cancelled, so nobody is paged for an ended drill."""
    from postmortems.models import Postmortem
    from teams.models import Deadline

    run = run_with_incident(manager)
    assert run.incident is not None
    assert Deadline.objects.filter(incident=run.incident, met_at__isnull=True).exists()
    with time_machine.travel(at(30), tick=False):
        drills.drill_finish(actor=manager, run=run)
    run.incident.refresh_from_db()
    assert run.incident.status == "closed"
    assert not Deadline.objects.filter(
        incident=run.incident, met_at__isnull=True, cancelled_at__isnull=True
    ).exists()
    assert not Postmortem.objects.filter(incident=run.incident).exists()
    moves = run.incident.events.filter(kind=TimelineEvent.Kind.STATUS)
    assert [event.data["to"] for event in moves.order_by("id")] == [
        "responding",
        "resolved",
        "closed",
    ]
    # The report was kept before the incident closed: it says what the team did.
    kept = DrillRun.objects.get(pk=run.pk).report
    assert target(kept, "acknowledge")["status"] == MISSED  # closing acknowledges; too late


def test_a_real_sev2_incident_still_needs_its_postmortem_to_close(manager):
    from config.errors import ApplicationError
    from postmortems import flows as postmortem_flows

    incident = team_flows.incident_declare(actor=manager, title="Real", severity=2)
    for to in ("responding", "resolved"):
        incident = postmortem_flows.incident_transition(actor=manager, incident=incident, to=to)
    with pytest.raises(ApplicationError) as refused:
        postmortem_flows.incident_transition(actor=manager, incident=incident, to="closed")
    assert refused.value.field == "waiver"


def test_finishing_twice_changes_nothing(manager):
    run = run_with_incident(manager)
    with time_machine.travel(at(30), tick=False):
        drills.drill_finish(actor=manager, run=run)
    findings = Drill.objects.get(pk=run.drill_id).findings
    acknowledged(manager, run.incident, 40)
    with time_machine.travel(at(50), tick=False):
        again = drills.drill_finish(actor=manager, run=run)
    assert again.finished_at == at(30)
    assert again.report["computed_at"] == at(30).isoformat()
    assert Drill.objects.get(pk=run.drill_id).findings == findings
    notes = run.incident.events.filter(kind=TimelineEvent.Kind.NOTE, data__drill_run=run.pk)
    assert notes.count() == 1


def test_finishing_a_drill_without_an_incident(manager):
    run = drill_run(manager)
    drills.drill_finish(actor=manager, run=run)
    run.refresh_from_db()
    assert run.status == DrillRun.Status.FINISHED
    assert "Not reached: Acknowledged — no incident declared yet" in run.drill.findings
    assert SocialAccount.objects.get(pk=run.account_id).is_active is False


def test_finishing_needs_the_permission_to_manage_drills(manager, responder):
    run = run_with_incident(manager)
    with pytest.raises(NotPermitted):
        drills.drill_finish(actor=responder, run=run)
    run.refresh_from_db()
    assert run.status == DrillRun.Status.PLAYING
    assert run.report == {}
    assert SocialAccount.objects.get(pk=run.account_id).is_active is True


# --- the page and the panel -----------------------------------------------------------------


def report_url(run: DrillRun, name: str = "report") -> str:
    return reverse(f"drills:{name}", kwargs={"pk": run.pk})


def test_the_page_needs_a_login(client, manager):
    run = drill_run(manager)
    response = client.get(report_url(run))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_of_a_drill_without_an_incident_shows_the_empty_state(client, manager):
    run = drill_run(manager)
    client.force_login(manager)
    response = client.get(report_url(run))
    assert response.status_code == 200
    page = html(response)
    assert 'data-testid="drill-badge"' in page
    assert 'data-testid="drill-no-incident"' in page
    assert 'data-testid="finish-drill"' in page  # a manager may finish it


def test_the_page_shows_met_and_missed_and_hides_finishing_without_permission(
    client, manager, responder
):
    run = run_with_incident(manager)
    acknowledged(manager, run.incident, 3)
    client.force_login(responder)
    with time_machine.travel(at(90), tick=False):
        response = client.get(report_url(run))
    page = html(response)
    assert response.status_code == 200
    assert 'drill-target-met text-bg-success" data-testid="target-status">Met<' in page
    assert 'drill-target-missed text-bg-danger" data-testid="target-status">Missed<' in page
    assert 'data-testid="target-acknowledge"' in page
    assert 'data-testid="finish-drill"' not in page


def test_a_finished_drill_shows_its_kept_report(client, manager):
    run = run_with_incident(manager)
    drills.drill_finish(actor=manager, run=run)
    run.refresh_from_db()
    run.report["targets"][0]["label"] = "Acknowledged (as kept)"
    run.save(update_fields=["report"])
    client.force_login(manager)
    page = html(client.get(report_url(run)))
    assert "Acknowledged (as kept)" in page
    assert 'data-testid="finish-drill"' not in page


def test_finishing_from_the_page_goes_back_to_the_report(client, manager):
    run = run_with_incident(manager)
    client.force_login(manager)
    response = client.post(report_url(run, "finish"), follow=True)
    assert response.redirect_chain == [(report_url(run), 302)]
    assert "The drill is finished" in html(response)
    run.refresh_from_db()
    assert run.status == DrillRun.Status.FINISHED


def test_finishing_from_the_page_without_permission_is_forbidden(client, manager, responder):
    run = run_with_incident(manager)
    client.force_login(responder)
    response = client.post(report_url(run, "finish"))
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == DrillRun.Status.PLAYING


def test_finishing_only_by_post(client, manager):
    run = run_with_incident(manager)
    client.force_login(manager)
    assert client.get(report_url(run, "finish")).status_code == 405


def test_the_page_shows_every_figure_of_the_report_it_reads(client, manager, strict_templates):
    """A template prints nothing for a key it cannot find: read with a marker for a missing
    key, the page shows the report's own figures."""
    run = run_with_incident(manager)
    acknowledged(manager, run.incident, 3)
    answered = drill_post(run, 48_200, posted=1, replied=21)
    client.force_login(manager)
    with time_machine.travel(at(90), tick=False):
        report = drills.drill_report(DrillRun.objects.get(pk=run.pk))
        page = html(client.get(report_url(run)))
    assert strict_templates not in page
    summary = report["summary"]
    assert (summary["met"], summary["missed"]) == (1, 2)
    said = "{met} met, {missed} missed, {not_yet} not yet".format(**summary)
    assert said in page
    for row in report["targets"]:
        assert f'data-testid="target-{row["key"]}"' in page
    assert 'data-testid="declared">0 s after the start<' in page
    assert f'data-testid="mention-{answered.pk}"' in page
    assert "<td>@" + report["mentions"][0]["author"] + "</td>" in page
    assert "<td>48,200</td>" in page
    assert "<td>20 min</td>" in page  # answered after
    rumours = report["rumours"]
    assert (
        f"Rumours planted by the scenario: {rumours['planted']}. "
        f"Claims the team recorded: {rumours['recorded']}."
    ) in page


def test_the_panel_shows_the_targets_and_links_to_the_report(manager):
    run = run_with_incident(manager)
    acknowledged(manager, run.incident, 3)
    run = DrillRun.objects.get(pk=run.pk)
    page = Template("{% load drill_panels %}{% drill_report_panel run %}").render(
        Context({"run": run})
    )
    assert 'data-testid="panel-target-acknowledge"' in page
    assert "text-bg-success" in page
    assert report_url(run) in page


def test_durations_are_said_to_the_second():
    assert drills.duration_words(190) == "3 min 10 s"
    assert drills.duration_words(900) == "15 min"
    assert drills.duration_words(40) == "40 s"
    assert drills.duration_words(3900) == "1 h 5 min"
    assert drills.duration_words(3600) == "1 h"
    assert drills.duration_words(None) == "—"
