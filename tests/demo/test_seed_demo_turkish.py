"""The demo in Turkish: `seed_demo --language tr` loads the same demo with its words in Turkish
and the people reading Turkish; their usernames and passwords are those of the English demo."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from communications.models import (
    Alert,
    Approval,
    InboundPost,
    Message,
    SocialAccount,
    Template,
)
from demo.management.commands.seed_demo import TURKISH
from drills.models import Drill
from incidents.models import ChecklistItem, Claim, Incident, TimelineEvent
from teams.models import (
    CommunicationPlanEntry,
    Mitigation,
    Playbook,
    PlaybookVersion,
    Risk,
    StakeholderContact,
    StakeholderGroup,
)

pytestmark = pytest.mark.django_db

# The tests run with DEBUG off, as tests/teams/test_accounts.py's do.
SEED_TR = ("seed_demo", "--allow-without-debug", "--language", "tr")
PASSWORDS = {
    "admin": "demo-admin-pass",
    "manager": "demo-manager-pass",
    "responder": "demo-responder-pass",
    "responder2": "demo-responder2-pass",
}


def texts_written():
    """Every text of the demo a person reads, as stored."""
    texts = []
    for model, fields in (
        (Incident, ["title", "summary"]),
        (TimelineEvent, ["text"]),
        (Claim, ["statement", "seen_at_location", "evidence"]),
        (ChecklistItem, ["title"]),
        (Message, ["body"]),
        (Approval, ["comment"]),
        (Template, ["name", "body"]),
        (Playbook, ["name"]),
        (PlaybookVersion, ["scenario", "first_steps"]),
        (Risk, ["title", "early_warning_signs"]),
        (Mitigation, ["text"]),
        (StakeholderGroup, ["name", "description"]),
        (StakeholderContact, ["name", "organisation"]),
        (CommunicationPlanEntry, ["notes"]),
        (InboundPost, ["text", "triage_reason"]),
        (Drill, ["title", "scenario", "findings", "follow_ups"]),
        (SocialAccount, ["display_name"]),
        (get_user_model(), ["first_name", "title"]),
    ):
        for row in model.objects.values_list(*fields):
            texts.extend(text for text in row if text)
    for version in PlaybookVersion.objects.all():
        texts.extend(item["title"] for item in version.checklist)
    for risk in Risk.objects.all():
        texts.extend(risk.watch_terms)
    return texts


def test_the_turkish_demo_is_written_in_turkish():
    call_command(*SEED_TR)

    titles = set(Incident.objects.values_list("title", flat=True))
    assert "Viral videoda bir ürün partisinin bozuk olduğu iddia ediliyor" in titles
    assert "Teslimat gecikmeleriyle ilgili şikâyet dizisi" in titles
    assert not titles & set(TURKISH)  # no English title
    # The words the team posts are in the demo's language; the prepared statement page is in
    # both, as the public page is.
    posted = Template.objects.exclude(kind=Template.Kind.PAGE)
    assert set(posted.values_list("language", flat=True)) == {"tr"}
    assert Template.objects.filter(name="İlk açıklama: ürün güvenliği").exists()
    prepared = Template.objects.filter(kind=Template.Kind.PAGE, name="Ürün güvenliği sayfası")
    assert set(prepared.values_list("language", flat=True)) == {"en", "tr"}
    assert set(Playbook.objects.values_list("name", flat=True)) == {
        "Ürün güvenliği söylentisi",
        "Veri ihlali",
        "Bir çalışanın rahatsız edici gönderisi",
    }
    assert StakeholderGroup.objects.filter(name="Düzenleyici kurumlar").exists()
    assert Claim.objects.filter(statement="24-117 partisi İzmir'de çocukları hasta etti.").exists()
    sev1 = Incident.objects.get(severity=1, status="responding")
    assert sev1.events.filter(text__startswith="İddia kaydedildi: ").exists()
    assert Message.objects.filter(incident=sev1, body__startswith="24-117 partisiyle").exists()
    assert InboundPost.objects.filter(text__contains="hastalandı").exists()

    # English words with a Turkish of their own appear nowhere, not even inside a sentence
    # the services wrote around them (a timeline event, a notification's reason).
    english = [word for word, turkish in TURKISH.items() if word != turkish]
    for text in texts_written():
        assert text not in english
        assert not [word for word in english if len(word) > 15 and word in text], text


def test_the_turkish_demo_people_read_turkish_with_the_demo_logins():
    call_command(*SEED_TR)

    people = get_user_model().objects.filter(username__in=PASSWORDS)
    assert {person.username: person.language for person in people} == dict.fromkeys(PASSWORDS, "tr")
    for person in people:
        assert person.check_password(PASSWORDS[person.username])
    assert people.get(username="manager").get_full_name() == "Merve Kaya"


def test_the_turkish_demo_keeps_its_story_the_listening_suggests_the_playbook():
    """The storm's Turkish posts use the risk register's Turkish watch terms."""
    call_command(*SEED_TR)

    alert = Alert.objects.get()
    assert alert.suggested_playbook.name == "Ürün güvenliği söylentisi"
    assert alert.suggested_because.startswith("“Ürün güvenliğiyle ilgili")


def test_the_turkish_demo_is_idempotent(capsys):
    call_command(*SEED_TR)
    models = (
        Incident,
        TimelineEvent,
        Claim,
        ChecklistItem,
        Message,
        Template,
        Playbook,
        Risk,
        StakeholderGroup,
        InboundPost,
        Alert,
        Drill,
        get_user_model(),
    )
    first = [model.objects.count() for model in models]

    call_command(*SEED_TR)

    assert [model.objects.count() for model in models] == first
    assert "(0 incidents added)" in capsys.readouterr().out


def test_the_turkish_demo_lists_the_turkish_drill_scenario_first(capsys):
    call_command(*SEED_TR)

    out = capsys.readouterr().out
    scenarios = out.split("drill_run NAME --speed 20`:")[1].splitlines()[1:]
    assert "(tr)" in scenarios[0]


def test_an_unknown_language_is_refused():
    with pytest.raises(CommandError, match=r"no demo in 'de': choose one of en, tr"):
        call_command("seed_demo", "--allow-without-debug", "--language", "de")
    assert not Incident.objects.exists()


def test_a_demo_is_not_mixed_with_another_language():
    call_command("seed_demo", "--allow-without-debug")

    with pytest.raises(CommandError, match="--language en"):
        call_command(*SEED_TR)
    assert not Template.objects.filter(language="tr").exclude(kind=Template.Kind.PAGE).exists()
