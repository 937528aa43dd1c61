"""Search and order in Turkish, on PostgreSQL (the suite's database) and on SQLite (the
embedded default, in a subprocess): "istanbul" finds "İstanbul", "ISPARTA" finds "Isparta",
"sut" finds "Süt", in incidents, mentions, people, risks and playbooks; names sort in the Turkish
alphabet; the folded incident search keeps its trigram index."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from config.search import TurkishOrder, fold, fold_sql, turkish_key
from incidents.models import Incident
from teams.models import User
from teams.playbooks.selectors import playbooks
from teams.selectors import people_directory
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory
from tests.e2e.worlds import product_safety_playbook
from tests.incidents.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("istanbul", "İstanbul"),
        ("İSTANBUL", "istanbul"),
        ("ISPARTA", "Isparta"),
        ("ısparta", "ISPARTA"),
        ("sut", "Süt"),
        ("ÇAĞRI", "çağrı"),
        ("cagri", "Çağrı"),
        ("gunes", "GÜNEŞ"),
    ],
)
def test_the_fold_makes_what_people_type_meet_what_is_stored(typed, stored):
    assert fold(typed) == fold(stored)


def test_the_fold_agrees_with_the_database(django_db_setup, django_db_blocker):
    words = ["İstanbul", "ıspanak", "Süt", "ÇAĞRI", "güneş", "straße", "Öykü"]
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for word in words:
            cursor.execute(f"SELECT {fold_sql('%s')}", [word])
            assert cursor.fetchone()[0] == fold(word), word


def test_the_fold_keeps_words_apart():
    assert fold("kedi") != fold("kadı")
    assert fold("Istanbul") != fold("Ankara")


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("istanbul", "İstanbul mağazasında yangın söylentisi"),
        ("ISPARTA", "Isparta fabrikası iddiası"),
        ("sut", "Süt ürünlerinde geri çağırma"),
    ],
)
def test_incidents_are_found_as_people_type(client, responder, typed, title):
    wanted = IncidentFactory(title=title)
    IncidentFactory(title="Ankara bayisinde gecikme")
    client.force_login(responder)
    response = client.get(reverse("incidents:list"), {"q": typed})
    assert [row.pk for row in response.context["page"].object_list] == [wanted.pk]
    api = client.get("/api/v1/incidents/", {"q": typed}).json()
    assert [row["reference"] for row in api["results"]] == [wanted.reference]


def test_mentions_people_risks_and_playbooks_are_found_as_people_type(client, manager):
    account = SandboxAccountFactory(handle="marka")
    mention = InboundPostFactory(account=account, text="İstanbul şubesinde süt bozuk çıktı")
    InboundPostFactory(account=account, text="Ankara'da her şey yolunda")
    client.force_login(manager)
    queue = client.get(reverse("communications:mentions:queue"), {"q": "istanbul sut"})
    assert [m.pk for m in queue.context["page"].object_list] == [mention.pk]

    ilker = UserFactory(first_name="İlker", last_name="Işık")
    UserFactory(first_name="Ayşe", last_name="Yılmaz")
    assert list(people_directory(user=manager, query="ilker isik")) == [ilker]
    page = client.get(reverse("teams:people"), {"q": "ILKER"})
    assert [p.pk for p in page.context["page"].object_list] == [ilker.pk]

    playbook = product_safety_playbook(manager)  # and its risk, "A product safety rumour…"
    playbook.name = "Ürün güvenliği söylentisi"
    playbook.save(update_fields=["name"])
    assert list(playbooks(user=manager, query="urun guvenligi")) == [playbook]
    listed = client.get(reverse("communications:playbooks"), {"q": "ÜRÜN"})
    assert [p.pk for p in listed.context["page"].object_list] == [playbook.pk]
    risks = client.get(reverse("teams:risks"), {"q": "SAFETY rumour"})
    assert len(risks.context["page"].object_list) == 1


def test_names_sort_in_the_turkish_alphabet():
    names = ["Zeynep", "Çiğdem", "Cem", "İlker", "Irmak", "Ömer", "Oya", "Şule", "Selin", "Ümit"]
    for name in names:
        UserFactory(first_name=name, last_name="Test", username=f"u-{fold(name)}")
    ordered = list(
        User.objects.filter(last_name="Test")
        .order_by(TurkishOrder("first_name"))
        .values_list("first_name", flat=True)
    )
    expected = ["Cem", "Çiğdem", "Irmak", "İlker", "Oya", "Ömer", "Selin", "Şule", "Ümit", "Zeynep"]
    assert ordered == expected
    assert sorted(names, key=turkish_key) == expected


def test_the_folded_incident_search_uses_its_trigram_index():
    """The index holds the very expression the search compares (the migration's copy of the
    fold is the fold), so PostgreSQL can answer from it rather than read every incident."""
    IncidentFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'incident_title_folded_trgm'"
        )
        [(definition,)] = cursor.fetchall()
        query = Incident.objects.filter(title__folded__contains=fold("İstanbul")).query
        sql, params = query.sql_with_params()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "gin_trgm_ops" in definition
    assert "incident_title_folded_trgm" in plan, plan


SQLITE_CHECK = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from config.search import TurkishOrder, fold
from teams.models import User
for name in ["İlker", "Irmak", "Cem", "Çiğdem"]:
    User.objects.create(username=fold(name), first_name=name)
found = User.objects.filter(first_name__folded__contains=fold("ilker"))
print(",".join(found.values_list("first_name", flat=True)))
ordered = User.objects.order_by(TurkishOrder("first_name"))
print(",".join(ordered.values_list("first_name", flat=True)))
"""


def test_the_embedded_default_searches_and_sorts_alike(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found, ordered = result.stdout.strip().splitlines()[-2:]
    assert found == "İlker"
    assert ordered == "Cem,Çiğdem,Irmak,İlker"
