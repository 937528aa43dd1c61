"""Starting a drill from the drills page (a shipped scenario or a file of one's own) and
following its run."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from drills import services as drills
from drills.models import DrillRun
from teams import flows as team_flows
from tests.communications.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

SMALL = b"""
title: Two posts
events:
  - {at: "0:00", kind: mention, author: first_one, text: "@brand hello?"}
  - {at: "1:00", kind: journalist, author: newsdesk, followers: 125000, text: "Comment?"}
"""


def html(response) -> str:
    return response.content.decode()


def test_the_drills_page_offers_both_shipped_scenarios_to_a_manager(client, manager):
    client.force_login(manager)
    page = html(client.get(reverse("drills:list")))
    assert 'data-testid="drill-start-panel"' in page
    assert 'value="product_safety_en"' in page
    assert 'value="misleading_campaign_tr"' in page
    assert "nothing reaches X" in page


def test_someone_who_may_not_start_drills_sees_no_form_and_is_refused(client, responder):
    client.force_login(responder)
    page = html(client.get(reverse("drills:list")))
    assert 'data-testid="drill-start-form"' not in page
    response = client.post(reverse("drills:start"), {"scenario": "product_safety_en", "speed": 10})
    assert response.status_code == 403
    assert not DrillRun.objects.exists()


def test_starting_a_shipped_scenario_lands_on_its_run(client, manager):
    brand = SocialAccountFactory.create(handle="juicebrand")
    client.force_login(manager)
    response = client.post(
        reverse("drills:start"),
        {"scenario": "product_safety_en", "speed": 20, "based_on": brand.pk},
    )
    run = DrillRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    assert run.speed == 20
    assert run.based_on == brand
    assert run.scenario_name == "product_safety_en"
    page = html(client.get(run.get_absolute_url()))
    assert "DRILL" in page
    assert f"@juicebrand.drill{run.pk}" in page
    assert "It stands in for @juicebrand" in page
    assert 'data-testid="drill-events"' in page
    assert "+0:09" in page  # the food-safety quote at 3:00 plays 9 s in at 20×
    assert 'hx-trigger="every 3s"' in page
    # The drill record links back to its run.
    assert 'data-testid="drill-run-link"' in html(
        client.get(reverse("drills:detail", args=[run.drill.pk]))
    )


def test_a_file_of_ones_own_is_played_and_a_broken_one_is_refused_saying_where(client, manager):
    client.force_login(manager)
    broken = SimpleUploadedFile("mine.yaml", b"title: x\nevents:\n  - {at: soon, kind: mention}\n")
    response = client.post(
        reverse("drills:start"), {"scenario": "upload", "speed": 10, "file": broken}
    )
    assert response.status_code == 400
    assert "events[0].at" in html(response)
    missing = client.post(reverse("drills:start"), {"scenario": "upload", "speed": 10})
    assert missing.status_code == 400
    assert "Choose the scenario file" in html(missing)
    assert not DrillRun.objects.exists()
    good = SimpleUploadedFile("two_posts.yaml", SMALL)
    client.post(reverse("drills:start"), {"scenario": "upload", "speed": 10, "file": good})
    run = DrillRun.objects.get()
    assert run.scenario_name == "two_posts.yaml"
    assert drills.run_scenario(run).posts == 2


def test_a_file_of_more_posts_than_a_drill_holds_is_refused_saying_where_they_come_from(
    client, manager
):
    storm = b"""
title: Too many posts
events:
  - {at: "0:00", kind: mention, author: first_one, text: "@brand hello?"}
""" + b"".join(
        b'  - {at: "0:%02d", kind: spike, count: 5000, texts: [again]}\n' % i for i in range(5)
    )
    client.force_login(manager)
    response = client.post(
        reverse("drills:start"),
        {"scenario": "upload", "speed": 10, "file": SimpleUploadedFile("storm.yaml", storm)},
    )
    assert response.status_code == 400
    assert (
        "events: A scenario holds at most 20,000 posts in all; this one holds 25,001: 25,000 "
        "from spikes (the biggest: events[1].count 5,000, events[2].count 5,000, "
        "events[3].count 5,000) and 1 from events of one post each."
    ) in html(response)
    assert not DrillRun.objects.exists()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "title: t\nevents:\n  - {at: %s, kind: mention, author: a, text: b}" % ("9" * 5000),
            "Line 3, column 10: a number has at most 20 digits in a scenario.",
        ),
        (
            "title: t\nevents: " + "[" * 20_000 + "]" * 20_000,
            "Line 2, column 28: lists and mappings nest at most 20 deep in a scenario.",
        ),
    ],
    ids=["a 5,000-digit time", "20,000 levels of nesting"],
)
def test_a_file_the_reader_cannot_take_is_refused_saying_where(client, manager, text, said):
    client.force_login(manager)
    response = client.post(
        reverse("drills:start"),
        {"scenario": "upload", "speed": 10, "file": SimpleUploadedFile("x.yaml", text.encode())},
    )
    assert response.status_code == 400
    assert said in html(response)
    assert not DrillRun.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"scenario": "product_safety_en", "speed": 3},
        {"scenario": "product_safety_en", "speed": "fast"},
        {"scenario": "../../etc/passwd", "speed": 10},
        {"scenario": "product_safety_en", "speed": 10, "based_on": 999999},
    ],
)
def test_hostile_start_forms_are_refused_with_a_400(client, manager, data):
    client.force_login(manager)
    assert client.post(reverse("drills:start"), data).status_code == 400
    assert not DrillRun.objects.exists()


def test_the_run_page_follows_the_drill_as_it_plays(client, manager, reader):
    run = drills.drill_start(actor=manager, scenario="drill", text=SMALL, speed=10)
    drills.drill_advance(run.pk, now=run.started_at + timedelta(seconds=1))
    client.force_login(reader)
    partial = client.get(run.get_absolute_url(), headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in html(partial)
    assert "1 of 2 posts played" in html(partial)
    drills.drill_advance(run.pk, now=run.started_at + timedelta(seconds=6))
    page = html(client.get(run.get_absolute_url()))
    assert "2 of 2 posts played" in page
    assert "All events played" in page
    assert 'hx-trigger="every 3s"' not in page
    assert client.get(reverse("drills:run", args=[run.pk + 1000])).status_code == 404


# --- the script is kept from the team playing the drill ---------------------------------------


def test_the_script_is_shown_to_who_started_the_drill_and_to_managers_only(
    client, manager, manager2, responder
):
    run = drills.drill_start(actor=manager, scenario="product_safety_en", speed=20)
    incident = team_flows.incident_declare(actor=manager, title="Drill", severity=2, is_drill=True)
    DrillRun.objects.filter(pk=run.pk).update(incident=incident)  # its alert declared
    rumour = "GLASS in the 24-117 bottles"
    for person, readable in ((manager, True), (manager2, True), (responder, False)):
        client.force_login(person)
        page = html(client.get(run.get_absolute_url()))
        assert ('data-testid="drill-events"' in page) is readable, person
        assert (rumour in page) is readable, person
        assert ('data-testid="drill-script-kept"' in page) is not readable, person
        report = html(client.get(reverse("drills:report", args=[run.pk])))
        assert ("Rumours planted by the scenario" in report) is readable, person


def test_the_script_is_shown_to_everyone_once_the_drill_is_finished(client, manager, responder):
    from drills.report import drill_finish

    run = drills.drill_start(actor=manager, scenario="product_safety_en", speed=20)
    drill_finish(actor=manager, run=run)
    client.force_login(responder)
    assert 'data-testid="drill-events"' in html(client.get(run.get_absolute_url()))


def test_the_api_keeps_the_planted_rumours_from_the_team_while_it_runs(api_as, manager, responder):
    run = drills.drill_start(actor=manager, scenario="product_safety_en", speed=20)
    url = f"/api/v1/drill-runs/{run.pk}/report/"
    assert api_as(responder).get(url).json()["rumours"]["planted"] is None
    assert api_as(manager).get(url).json()["rumours"]["planted"] == 1
