"""The risk register's core: scores and bands, the heat map's cells, every change kept, the
review date kept as a deadline of the owner, mitigations, and the incidents that realised it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.errors import ApplicationError, NotPermitted
from incidents.models import TimelineEvent
from teams import flows
from teams.models import Deadline, Risk, RiskChange
from teams.models.risk_rules import risk_band, risk_score
from teams.risks import selectors, services
from teams.schedule import engine

pytestmark = pytest.mark.django_db
K = Deadline.Kind


def record(actor, **overrides):
    fields = {
        "title": "A batch is reported contaminated",
        "category": "product_quality",
        "likelihood": 2,
        "impact": 5,
        "owner": actor,
        "review_at": timezone.now() + timedelta(days=30),
        **overrides,
    }
    return services.risk_save(actor=actor, **fields)


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [
        (1, 1, "low"),
        (1, 4, "low"),
        (2, 2, "low"),
        (1, 5, "medium"),
        (3, 3, "medium"),
        (2, 5, "high"),
        (4, 4, "high"),
        (4, 5, "critical"),
        (5, 5, "critical"),
    ],
)
def test_the_score_is_likelihood_times_impact_in_its_band(likelihood, impact, band):
    assert risk_band(risk_score(likelihood, impact)).name == band


def test_every_score_of_the_grid_has_one_band_and_nothing_outside_it():
    for likelihood in range(1, 6):
        for impact in range(1, 6):
            assert risk_band(risk_score(likelihood, impact)).lowest <= likelihood * impact
    for bad in ((0, 3), (6, 1), (3, 0)):
        with pytest.raises(ValueError, match="1 to 5"):
            risk_score(*bad)
    with pytest.raises(ValueError, match="1 to 25"):
        risk_band(26)


def test_the_heat_map_puts_each_risk_in_its_cell(manager):
    rumour = record(manager, title="Rumour", likelihood=4, impact=3)
    leak = record(manager, title="Leak", likelihood=2, impact=5)
    same_cell = record(manager, title="Another leak", likelihood=2, impact=5)
    grid = selectors.risk_heat_map(selectors.risks(user=manager))
    assert [row[0]["likelihood"] for row in grid] == [5, 4, 3, 2, 1]
    assert [cell["impact"] for cell in grid[0]] == [1, 2, 3, 4, 5]
    assert grid[1][2]["risks"] == [rumour]  # likelihood 4, impact 3
    assert {r.pk for r in grid[3][4]["risks"]} == {leak.pk, same_cell.pk}
    assert sum(len(cell["risks"]) for row in grid for cell in row) == 3


def test_recording_keeps_the_history_and_plans_the_review_for_the_owner(manager, responder):
    risk = record(manager, owner=responder)
    [recorded] = RiskChange.objects.filter(risk=risk)
    assert recorded.what == "Recorded"
    assert recorded.fields["likelihood"] == [None, 2]
    review = engine.open_deadlines().get(kind=K.RISK_REVIEW, subject=f"risk:{risk.pk}")
    assert (review.owner, review.due_at, review.incident) == (responder, risk.review_at, None)


def test_a_change_keeps_only_what_changed_and_moves_the_review(manager):
    risk = record(manager)
    later = risk.review_at + timedelta(days=7)
    services.risk_save(actor=manager, risk=risk, likelihood=4, title=risk.title, review_at=later)
    change = RiskChange.objects.filter(risk=risk).first()
    assert set(change.fields) == {"likelihood", "review_at"}
    assert change.fields["likelihood"] == [2, 4]
    [review] = engine.open_deadlines().filter(kind=K.RISK_REVIEW, subject=f"risk:{risk.pk}")
    assert review.due_at == later
    # Saving the same values again records nothing.
    services.risk_save(actor=manager, risk=risk, likelihood=4)
    assert RiskChange.objects.filter(risk=risk).count() == 2


def test_retiring_cancels_the_review(manager):
    risk = record(manager)
    services.risk_save(actor=manager, risk=risk, status=Risk.Status.RETIRED)
    assert not engine.open_deadlines().filter(subject=f"risk:{risk.pk}").exists()


def test_the_review_reminds_the_owner_before_and_escalates_after(manager, responder):
    risk = record(manager, owner=responder, review_at=timezone.now() + timedelta(hours=1))
    review = engine.open_deadlines().get(subject=f"risk:{risk.pk}")
    with time_machine.travel(review.next_step_at, tick=False):
        assert engine.deadline_step_run(review.pk, review.task_id)
    review.refresh_from_db()
    assert review.fired.count() == 1


def test_reviewing_meets_the_deadline_and_plans_the_next(manager):
    risk = record(manager)
    with pytest.raises(ApplicationError) as refused:
        services.risk_reviewed(actor=manager, risk=risk, next_review_at=timezone.now())
    assert refused.value.field == "review_at"
    next_time = timezone.now() + timedelta(days=90)
    services.risk_reviewed(actor=manager, risk=risk, next_review_at=next_time, note="Still real")
    reviews = Deadline.objects.filter(kind=K.RISK_REVIEW, subject=f"risk:{risk.pk}")
    assert reviews.filter(met_at__isnull=False).count() == 1
    assert reviews.get(met_at__isnull=True, cancelled_at__isnull=True).due_at == next_time
    assert RiskChange.objects.filter(risk=risk).first().what == "Reviewed: Still real"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "  "),
        ("category", "aliens"),
        ("likelihood", 0),
        ("likelihood", 6),
        ("impact", "5"),
        ("status", "gone"),
        ("review_at", None),
        ("watch_terms", ["x" * 101]),
    ],
)
def test_a_bad_field_is_refused_naming_it(manager, field, value):
    with pytest.raises(ApplicationError) as refused:
        record(manager, **{field: value})
    assert refused.value.field == field
    assert not Risk.objects.exists()


def test_watch_terms_are_trimmed_and_kept_once(manager):
    risk = record(manager, watch_terms=[" recall ", "recall", "", "sick"])
    assert risk.watch_terms == ["recall", "sick"]


def test_only_managers_keep_the_register(manager, responder, reader):
    for person in (responder, reader):
        with pytest.raises(NotPermitted):
            record(person)
    risk = record(manager)
    with pytest.raises(NotPermitted):
        services.risk_save(actor=responder, risk=risk, likelihood=5)


def test_mitigations_are_added_and_changed_in_the_history(manager, responder):
    risk = record(manager)
    with pytest.raises(ApplicationError) as refused:
        services.mitigation_save(actor=manager, risk=risk, text="", owner=responder)
    assert refused.value.field == "text"
    step = services.mitigation_save(
        actor=manager, risk=risk, text="Pre-approve a recall statement", owner=responder
    )
    services.mitigation_save(actor=manager, risk=risk, mitigation=step, status="done")
    step.refresh_from_db()
    assert step.status == "done"
    assert [c.what for c in RiskChange.objects.filter(risk=risk)][:2] == [
        "Mitigation changed: Pre-approve a recall statement (Done)",
        "Mitigation added: Pre-approve a recall statement",
    ]


def test_an_incident_realises_a_risk_once_and_a_recurring_risk_shows(manager):
    risk = record(manager)
    first = flows.incident_declare(actor=manager, title="Batch rumour", severity=2)
    second = flows.incident_declare(actor=manager, title="Batch rumour again", severity=2)
    for incident in (first, first, second):
        services.risk_realised(actor=manager, risk=risk, incident=incident)
    assert set(first.realised_risks.all()) == {risk}
    assert selectors.risks(user=manager).get(pk=risk.pk).realised == 2
    # A drill that names the risk rehearsed it: the risk did not happen once more.
    drill = flows.incident_declare(actor=manager, title="Rehearsal", severity=2, is_drill=True)
    services.risk_realised(actor=manager, risk=risk, incident=drill)
    assert selectors.risks(user=manager).get(pk=risk.pk).realised == 2
    risk.refresh_from_db()
    assert risk.keeps_happening == selectors.risks(user=manager).get(pk=risk.pk).keeps_happening
    said = TimelineEvent.objects.filter(incident=first, text__startswith="This incident realises")
    assert said.count() == 1
