"""Real or rehearsal, one rule: every model whose figures leave drills out answers real() and
rehearsals() (and is_rehearsal for one row) by the lookup it names once, and no other code reads
the drill flag to filter a figure."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone

from communications.models import Alert, InboundPost, Message, SocialAccount, VolumeBucket
from incidents.models import Incident, Tag
from incidents.rehearsals import is_rehearsal, real_q
from postmortems.models import ActionItem, Postmortem
from teams.models import Deadline
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def incidents() -> tuple[Incident, Incident]:
    return IncidentFactory.create(), IncidentFactory.create(is_drill=True)


@pytest.fixture
def accounts() -> tuple[SocialAccount, SocialAccount]:
    return SandboxAccountFactory.create(), SandboxAccountFactory.create(is_drill=True)


def split(queryset) -> tuple[set[int], set[int]]:
    return set(queryset.real().values_list("pk", flat=True)), set(
        queryset.rehearsals().values_list("pk", flat=True)
    )


def test_incidents(incidents):
    fire, rehearsal = incidents
    assert split(Incident.objects) == ({fire.pk}, {rehearsal.pk})
    assert not is_rehearsal(fire)
    assert is_rehearsal(rehearsal)


def test_accounts(accounts):
    brand, drill = accounts
    assert split(SocialAccount.objects) == ({brand.pk}, {drill.pk})
    assert not is_rehearsal(brand)
    assert is_rehearsal(drill)


def test_posts_by_their_account_or_played_from_a_scenario(accounts):
    brand, drill = accounts
    said = InboundPostFactory.create(account=brand)
    on_drill = InboundPostFactory.create(account=drill)
    played = InboundPostFactory.create(account=brand, origin=InboundPost.Origin.DRILL)
    assert split(InboundPost.objects) == ({said.pk}, {on_drill.pk, played.pk})
    assert [is_rehearsal(post) for post in (said, on_drill, played)] == [False, True, True]


def test_volume_buckets_by_their_account(accounts):
    brand, drill = accounts
    start = timezone.now().replace(second=0, microsecond=0)
    real = VolumeBucket.objects.create(account=brand, start=start, posts=3)
    rehearsed = VolumeBucket.objects.create(account=drill, start=start, posts=300)
    assert split(VolumeBucket.objects) == ({real.pk}, {rehearsed.pk})
    assert is_rehearsal(rehearsed)


def alert_on(account: SocialAccount) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        account=account,
        window_start=now - timedelta(minutes=15),
        window_end=now,
        posts=90,
        usual=10,
        spread=2,
        ratio=9,
        baseline_source="weekday_hour",
        baseline_label="Tuesday 14:00",
        peak_posts=40,
        last_spiking_at=now,
    )


def test_alerts_by_their_account(accounts):
    brand, drill = accounts
    real, rehearsed = alert_on(brand), alert_on(drill)
    assert split(Alert.objects) == ({real.pk}, {rehearsed.pk})
    assert not is_rehearsal(real)
    assert is_rehearsal(rehearsed)


def test_messages_by_their_incident(incidents):
    fire, rehearsal = incidents
    author = UserFactory.create()
    real, rehearsed = (
        Message.objects.create(
            incident=incident, kind=Message.Kind.STAFF_BRIEFING, body="We are on it.", author=author
        )
        for incident in (fire, rehearsal)
    )
    assert split(Message.objects) == ({real.pk}, {rehearsed.pk})
    counted = Message.objects.aggregate(real=Count("pk", filter=real_q("incident")))
    assert counted == {"real": 1}
    assert not is_rehearsal(real)
    assert is_rehearsal(rehearsed)


def deadline(incident: Incident | None, subject: str) -> Deadline:
    now = timezone.now()
    return Deadline.objects.create(
        incident=incident,
        kind=Deadline.Kind.ACKNOWLEDGE,
        subject=subject,
        title="Acknowledge",
        anchor_at=now,
        due_at=now + timedelta(minutes=5),
    )


def test_deadlines_by_their_incident_and_one_of_no_incident_is_real(incidents):
    fire, rehearsal = incidents
    real, rehearsed, of_none = (
        deadline(fire, "fire"),
        deadline(rehearsal, "rehearsal"),
        deadline(None, "none"),
    )
    assert split(Deadline.objects) == ({real.pk, of_none.pk}, {rehearsed.pk})
    assert is_rehearsal(rehearsed)


def test_postmortems_and_their_action_items_by_their_incident(incidents):
    fire, rehearsal = incidents
    owner = UserFactory.create()
    real, rehearsed = (
        Postmortem.objects.create(incident=fire),
        Postmortem.objects.create(incident=rehearsal),
    )
    assert split(Postmortem.objects) == ({real.pk}, {rehearsed.pk})
    items = [
        ActionItem.objects.create(
            postmortem=postmortem,
            title="Add a fuse",
            owner=owner,
            created_by=owner,
            due_date=timezone.localdate(),
            kind=ActionItem.Kind.PREVENT,
        )
        for postmortem in (real, rehearsed)
    ]
    assert split(ActionItem.objects) == ({items[0].pk}, {items[1].pk})
    assert [is_rehearsal(item) for item in items] == [False, True]


def test_a_model_that_tells_no_drill_apart_is_refused():
    with pytest.raises(TypeError):
        is_rehearsal(Tag(name="x"))


# Where the drill flag may still be named outside the drills: the one module that reads it
# (incidents.rehearsals), its two definitions (an incident's, an account's), the API's field of
# that name, and the declare flow that sets it. No other module reads it: a figure asks
# ``.real()``, a page the |rehearsal filter, a rule ``is_rehearsal()``.
MAY_NAME_THE_FLAG = {
    "incidents/rehearsals.py",
    "incidents/models.py",
    "communications/accounts/models.py",
    "incidents/serializers.py",
    "communications/listening/mentions/serializers.py",
    "incidents/services.py",
    "teams/flows.py",
    "communications/listening/alerts.py",
}
FLAG = re.compile(r"\bis_drill\b")


def test_no_figure_reads_the_drill_flag_itself():
    """A new selector that filters on ``is_drill`` by hand, instead of asking ``.real()``,
    fails here: the next one that forgets would leak a rehearsal into a figure."""
    found = set()
    for app in ("config", "incidents", "teams", "communications", "postmortems", "desk", "demo"):
        # The drills (drills/) may: telling a rehearsal apart is their trade.
        for path in (ROOT / app).rglob("*"):
            if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
                continue
            name = path.relative_to(ROOT).as_posix()
            if FLAG.search(path.read_text(encoding="utf-8")):
                found.add(name)
    assert found <= MAY_NAME_THE_FLAG, sorted(found - MAY_NAME_THE_FLAG)
