"""Listening alerts: raised once per spike and explained, the on-call communications lead
told, and each one declared as an incident (once, however often it is clicked) or dismissed
with a reason."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import close_old_connections

from communications.listening import alerts, rules
from communications.listening.mentions import services as mention_services
from communications.messaging.services.playbooks import playbook_write
from communications.models import Alert, InboundPost
from config.errors import ApplicationError, Conflict, NotPermitted
from incidents.models import Incident, Source, TimelineEvent
from postmortems import flows as postmortem_flows
from teams import flows
from teams.models import Notification, PlaybookRun, Reason, Role
from teams.risks import services as risk_services
from tests.communications.factories import SandboxAccountFactory
from tests.communications.listening_data import STORM_END, TUESDAY_14, quiet_history, storm
from tests.teams.factories import ShiftFactory, UserFactory, manager, responder


@pytest.fixture
def account(db):
    account = SandboxAccountFactory.create(handle="brand", display_name="Brand")
    quiet_history(account)
    return account


@pytest.fixture
def comms_lead(db):
    person = UserFactory.create()
    ShiftFactory.create(
        role_id=Role.COMMUNICATIONS_LEAD,
        person=person,
        starts_at=TUESDAY_14 - timedelta(hours=4),
        ends_at=TUESDAY_14 + timedelta(hours=8),
    )
    return person


@pytest.mark.django_db(transaction=True)
def test_a_spike_raises_one_alert_that_explains_itself_and_tells_the_communications_lead(
    account, comms_lead
):
    storm(account)
    with time_machine.travel(STORM_END - timedelta(seconds=1), tick=False):
        assert alerts.alerts_evaluate() == 1
    alert = Alert.objects.get()
    assert alert.posts == 60
    assert alert.usual == 6  # 6 buckets of 1 post, the same Tuesday window the weeks before
    assert alert.ratio == 10
    assert alert.baseline_label == "Tuesday 14:30"
    assert alert.top_words == ["batch", "recall", "sick"]
    assert [author["followers"] for author in alert.big_authors] == [2_000_000, 450_000, 120_000]
    assert alert.explanation == (
        "60 posts in the last 30 min on @brand, 10× the usual for Tuesday 14:30; "
        "3 authors with more than 100k followers; top words: batch, recall, sick"
    )
    top = list(alert.top_posts.order_by("-author_followers"))
    assert len(top) == 5
    assert top[0].author_followers == 2_000_000
    notification = Notification.objects.get(reason=Reason.LISTENING_ALERT)
    assert notification.recipient == comms_lead
    assert "60 posts in the last 30 min on @brand" in notification.title
    assert notification.url == alert.get_absolute_url()


@pytest.mark.django_db(transaction=True)
def test_an_alert_is_raised_once_per_spike_not_once_per_poll(account):
    storm(account)
    for minute in (29, 33, 36):
        with time_machine.travel(TUESDAY_14 + timedelta(minutes=minute), tick=False):
            alerts.alerts_evaluate()
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    assert alert.spike_ended_at is None
    # Quiet for a whole window: the spike is over; a later storm is a new spike.
    with time_machine.travel(TUESDAY_14 + timedelta(minutes=75), tick=False):
        assert alerts.alerts_evaluate() == 0
    alert.refresh_from_db()
    assert alert.spike_ended_at is not None
    later = TUESDAY_14 + timedelta(hours=2)
    storm(account, start=later, first_id=1000)
    with time_machine.travel(later + timedelta(minutes=29), tick=False):
        assert alerts.alerts_evaluate() == 1
    assert Alert.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_the_same_moment_raise_one_alert(account):
    storm(account)
    barrier = threading.Barrier(2)
    raised = []

    def evaluate():
        try:
            barrier.wait()
            raised.append(alerts.alert_evaluate(account_id=account.pk, end=STORM_END))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Alert.objects.count() == 1
    assert sum(1 for alert in raised if alert is not None) == 1


@pytest.mark.django_db
def test_no_alert_at_the_usual_level_nor_for_a_small_rise(account):
    storm(account, count=12, big=())  # 12 posts against a usual 6: under the minimum of 20
    assert alerts.alerts_evaluate(end=STORM_END) == 0
    quiet = SandboxAccountFactory.create()
    assert alerts.alerts_evaluate(end=STORM_END, account_ids=[quiet.pk]) == 0
    assert not Alert.objects.exists()


@pytest.fixture
def raised(account):
    storm(account)
    alert = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    assert alert is not None
    return alert


def _recall_playbook(actor):
    playbook = playbook_write(
        actor=actor,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post says a product hurt someone.",
        severity_hint=2,
        checklist=[{"title": "Confirm the facts with quality", "due_minutes": 30}],
    ).playbook
    return playbook


@pytest.mark.django_db
def test_the_risk_registers_watch_terms_suggest_a_playbook(account):
    boss = manager()
    playbook = _recall_playbook(boss)
    risk_services.risk_save(
        actor=boss,
        title="A recall rumour",
        category="product_quality",
        likelihood=3,
        impact=5,
        owner=boss,
        review_at=TUESDAY_14 + timedelta(days=30),
        watch_terms=["Recall"],
        playbook=playbook,
    )
    storm(account)
    alert = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    assert alert.suggested_playbook == playbook
    assert "A recall rumour" in alert.suggested_because


@pytest.mark.django_db
def test_a_playbook_whose_name_has_a_top_word_is_suggested_when_no_risk_listens(account):
    boss = manager()
    playbook_write(
        actor=boss, name="Batch recall", category="product_quality", scenario="A recall."
    )
    storm(account)
    alert = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    assert alert.suggested_playbook.name == "Batch recall"


@pytest.mark.django_db
def test_declaring_from_an_alert_links_its_posts_and_applies_the_suggested_playbook(raised):
    boss = manager()
    playbook = _recall_playbook(boss)
    Alert.objects.filter(pk=raised.pk).update(suggested_playbook=playbook)
    raised.refresh_from_db()
    incident = alerts.alert_declare(actor=boss, alert=raised)
    assert incident.source == Source.LISTENING_ALERT
    # The alert's words speak of harm ("sick"): SEV1, over the playbook's usual SEV2.
    assert incident.severity == 1
    assert incident.title == "Spike on @brand: batch, recall, sick"
    assert incident.detected_at == raised.raised_at
    assert set(incident.mentions.all()) == set(raised.top_posts.all())
    assert PlaybookRun.objects.filter(incident=incident, version__playbook=playbook).exists()
    assert TimelineEvent.objects.filter(
        incident=incident, text__startswith="Declared from the listening alert"
    ).exists()
    raised.refresh_from_db()
    assert (raised.status, raised.incident, raised.decided_by) == ("declared", incident, boss)


@pytest.mark.django_db
def test_declaring_twice_by_two_people_declares_once(raised):
    first = alerts.alert_declare(actor=responder(), alert=raised, title="Recall storm")
    second = alerts.alert_declare(actor=manager(), alert=raised, title="Another title")
    assert first == second
    assert Incident.objects.count() == 1
    assert InboundPost.objects.filter(incident=first).count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_declare_one_incident(account):
    storm(account)
    alert = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    people = [responder(), responder()]
    barrier = threading.Barrier(2)
    declared = []

    def click(person):
        try:
            barrier.wait()
            declared.append(alerts.alert_declare(actor=person, alert=alert).pk)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=click, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(declared)) == 1
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_a_post_already_on_another_incident_stays_there(raised):
    person = responder()
    earlier = flows.incident_declare(actor=person, title="The earlier one", severity=3)
    widest = raised.top_posts.order_by("-author_followers").first()
    mention_services.mention_link(actor=person, mention=widest, incident=earlier)
    incident = alerts.alert_declare(actor=person, alert=raised)
    widest.refresh_from_db()
    assert widest.incident == earlier
    assert InboundPost.objects.filter(incident=incident).count() == 4


@pytest.mark.django_db
def test_dismissing_needs_a_reason_and_a_decided_alert_stays_decided(raised):
    person = responder()
    with pytest.raises(ApplicationError) as refused:
        alerts.alert_dismiss(actor=person, alert=raised, reason="  ")
    assert refused.value.field == "reason"
    alerts.alert_dismiss(actor=person, alert=raised, reason="Our own campaign's launch.")
    raised.refresh_from_db()
    assert (raised.status, raised.dismiss_reason) == ("dismissed", "Our own campaign's launch.")
    with pytest.raises(Conflict):
        alerts.alert_declare(actor=person, alert=raised)
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_declared_alert_cannot_be_dismissed(raised):
    person = responder()
    incident = alerts.alert_declare(actor=person, alert=raised)
    with pytest.raises(Conflict) as refused:
        alerts.alert_dismiss(actor=person, alert=raised, reason="Too late")
    assert incident.reference in refused.value.message


@pytest.mark.django_db
def test_someone_without_the_permissions_cannot_declare_or_dismiss(raised):
    visitor = UserFactory.create()
    with pytest.raises(ApplicationError):
        alerts.alert_declare(actor=visitor, alert=raised)
    with pytest.raises(ApplicationError):
        alerts.alert_dismiss(actor=visitor, alert=raised, reason="No")
    raised.refresh_from_db()
    assert raised.status == "open"


def test_top_words_count_each_post_once_and_leave_out_common_words_links_and_handles():
    texts = [
        "recall recall recall recall https://t.co/abc @brand",
        "the batch is bad, the batch",
        "Batch ve geri çağırma hakkında bir şey var mı?",
    ]
    assert rules.top_words(texts, exclude=["brand"]) == ["batch", "bad", "geri"]
    assert rules.top_words([]) == []


# --- the severity the alert reads as ---------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "authors", "ratio", "severity", "because"),
    [
        (["batch", "sick"], [], 3.0, 1, "posts speak of harm (sick)"),
        (["parti", "hastane"], [], 3.0, 1, "posts speak of harm (hastane)"),
        (["price"], [{"handle": "news", "followers": 90_000}], 12.0, 1, "wide-reach authors"),
        (
            ["price"],
            [{"handle": "news", "followers": 90_000}],
            4.0,
            2,
            "wide-reach authors (@news)",
        ),
        (["price"], [], 6.0, 2, "a fast-growing story"),
        (["price"], [], 3.0, 3, "no wide-reach author, no word of harm"),
    ],
)
def test_the_alerts_evidence_reads_as_a_severity(words, authors, ratio, severity, because):
    alert = Alert(top_words=words, big_authors=authors, ratio=ratio)
    found, why = alerts.alert_severity_suggested(alert)
    assert found == severity
    assert because in why


# --- adding an alert to an open incident ------------------------------------------------------


@pytest.mark.django_db
def test_an_alert_added_to_an_open_incident_links_its_posts_and_declares_nothing(raised):
    person = responder()
    running = flows.incident_declare(actor=person, title="Recall rumour", severity=2)
    widest = raised.top_posts.order_by("-author_followers").first()
    mention_services.mention_link(actor=person, mention=widest, incident=running)
    assert alerts.alert_posts_on_open_incident(raised) == (running, 1)

    added = alerts.alert_attach(actor=person, alert=raised, incident=running)
    assert added == running
    assert Incident.objects.count() == 1
    assert set(running.mentions.all()) == set(raised.top_posts.all())
    assert TimelineEvent.objects.filter(
        incident=running, text__startswith="Listening alert added", data__alert=raised.pk
    ).exists()
    raised.refresh_from_db()
    assert (raised.status, raised.incident, raised.decided_by) == ("declared", running, person)
    # Once: a second add, or a declare after it, returns the incident it went to.
    other = flows.incident_declare(actor=person, title="Another", severity=3)
    assert alerts.alert_attach(actor=person, alert=raised, incident=other) == running
    assert alerts.alert_declare(actor=person, alert=raised) == running
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_an_alert_goes_only_to_an_open_incident_of_its_own_world(raised, account):
    boss = manager()
    closed = flows.incident_declare(actor=boss, title="Old", severity=4)
    postmortem_flows.incident_transition(
        actor=boss, incident=closed, to="declined", reason="False alarm"
    )
    drill = flows.incident_declare(actor=boss, title="Rehearsal", severity=2, is_drill=True)
    for wrong in (closed, drill, 999_999):
        with pytest.raises(ApplicationError) as refused:
            alerts.alert_attach(actor=boss, alert=raised, incident=wrong)
        assert refused.value.field == "incident"
    assert list(alerts.alert_attach_choices(raised)) == []
    raised.refresh_from_db()
    assert raised.status == Alert.Status.OPEN


@pytest.mark.django_db
def test_a_dismissed_alert_is_not_added_and_a_reader_may_not_add_one(raised):
    person = responder()
    running = flows.incident_declare(actor=person, title="Recall rumour", severity=2)
    with pytest.raises(NotPermitted):
        alerts.alert_attach(actor=UserFactory(), alert=raised, incident=running)
    alerts.alert_dismiss(actor=person, alert=raised, reason="Our own campaign")
    with pytest.raises(Conflict):
        alerts.alert_attach(actor=person, alert=raised, incident=running)
