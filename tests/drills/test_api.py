"""/api/v1/drills/ and /api/v1/drill-runs/: the drills held, starting one from a scenario, a
run as it plays, its report and finishing it, with the pages' rules (drills.services,
drills.report)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from communications.models import InboundPost, SocialAccount
from drills import services
from drills.models import Drill, DrillRun
from tests.communications.factories import SandboxAccountFactory
from tests.teams.factories import DrillFactory

pytestmark = pytest.mark.django_db

DRILLS = "/api/v1/drills/"
RUNS = "/api/v1/drill-runs/"


def started(api_as, manager, **data) -> dict:
    response = api_as(manager).post(
        RUNS, {"scenario": "product_safety_en", "speed": 20, **data}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


# --- the drills held ------------------------------------------------------------------------


def test_anyone_signed_in_reads_the_drills_and_nobody_else(api, api_as, reader):
    drill = DrillFactory(title="Data breach tabletop", participants=[reader])
    assert api.get(DRILLS).status_code in {401, 403}
    listed = api_as(reader).get(DRILLS).json()
    assert [row["title"] for row in listed["results"]] == ["Data breach tabletop"]
    one = api_as(reader).get(f"{DRILLS}{drill.pk}/").json()
    assert one["participants"] == [
        {"id": reader.pk, "username": reader.username, "name": reader.display_name}
    ]
    assert one["run"] is None
    assert one["page"] == f"/drills/{drill.pk}/"


def test_a_manager_records_a_drill_and_changes_only_what_is_sent(api_as, manager, responder):
    held = (timezone.now() - timedelta(days=2)).isoformat()
    response = api_as(manager).post(
        DRILLS,
        {
            "title": "  Recall tabletop ",
            "scenario": "A recall rumour on a Saturday",
            "held_at": held,
            "participants": [responder.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    drill = Drill.objects.get()
    assert response.json()["title"] == drill.title == "Recall tabletop"
    changed = api_as(manager).patch(
        f"{DRILLS}{drill.pk}/", {"findings": "Legal was late"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    drill.refresh_from_db()
    assert (drill.findings, drill.scenario) == ("Legal was late", "A recall rumour on a Saturday")
    assert list(drill.participants.all()) == [responder]


def test_recording_needs_the_right_and_says_which_field_is_wrong(api_as, manager, responder):
    data = {"title": "x", "scenario": "y", "held_at": timezone.now().isoformat()}
    assert api_as(responder).post(DRILLS, data, format="json").status_code == 403
    blank = api_as(manager).post(DRILLS, data | {"title": "   "}, format="json")
    assert blank.status_code == 400
    assert "title" in blank.json()
    assert not Drill.objects.exists()


# --- starting, following, reporting, finishing ----------------------------------------------


def test_the_shipped_scenarios_are_listed(api_as, reader):
    scenarios = api_as(reader).get(f"{RUNS}scenarios/").json()
    names = {row["name"]: row for row in scenarios}
    assert set(names) == set(services.scenarios_shipped())
    english = names["product_safety_en"]
    assert english["language"] == "en"
    assert english["posts"] == services.scenarios_shipped()["product_safety_en"].posts


def test_a_manager_starts_a_drill_on_a_drill_account_of_its_own(api_as, manager):
    brand = SandboxAccountFactory.create(handle="juicebrand")
    run = started(api_as, manager, based_on=brand.pk)
    stored = DrillRun.objects.get(pk=run["id"])
    assert run["status"] == "playing"
    assert run["account"]["id"] == stored.account_id != brand.pk
    assert SocialAccount.objects.get(pk=stored.account_id).is_drill
    assert run["based_on"] == {"id": brand.pk, "handle": "juicebrand"}
    assert run["posts_total"] == services.run_scenario(stored).posts
    assert run["drill"] == stored.drill_id
    assert run["page"] == f"/drills/runs/{stored.pk}/"
    listed = api_as(manager).get(RUNS).json()["results"]
    assert [row["id"] for row in listed] == [stored.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scenario": "no_such_scenario"}, "scenario"),
        ({"scenario": "uploaded.yaml", "text": "title: [unclosed"}, "text"),
        ({"speed": 0}, "speed"),
        ({"speed": 101}, "speed"),
        ({"based_on": 999999}, "based_on"),
    ],
)
def test_a_drill_that_cannot_start_says_which_field(api_as, manager, data, field):
    response = api_as(manager).post(
        RUNS, {"scenario": "product_safety_en", "speed": 20, **data}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not DrillRun.objects.exists()


def test_a_drill_is_not_rehearsed_for_a_drill_account(api_as, manager):
    drill_account = SandboxAccountFactory.create(handle="other.drill", is_drill=True)
    response = api_as(manager).post(
        RUNS, {"scenario": "product_safety_en", "based_on": drill_account.pk}, format="json"
    )
    assert response.status_code == 400
    assert "based_on" in response.json()


def test_starting_and_finishing_need_the_right(api_as, manager, responder):
    refused = api_as(responder).post(RUNS, {"scenario": "product_safety_en"}, format="json")
    assert refused.status_code == 403
    run = started(api_as, manager)
    assert api_as(responder).post(f"{RUNS}{run['id']}/finish/").status_code == 403
    assert api_as(responder).get(f"{RUNS}{run['id']}/").status_code == 200
    assert DrillRun.objects.get().status == DrillRun.Status.PLAYING


def test_the_report_is_measured_while_it_runs_and_kept_once_finished(api_as, manager):
    run = started(api_as, manager)
    stored = DrillRun.objects.get(pk=run["id"])
    services.drill_advance(stored.pk, now=stored.started_at + timedelta(seconds=30))
    assert InboundPost.objects.filter(account_id=stored.account_id).exists()
    report = api_as(manager).get(f"{RUNS}{stored.pk}/report/").json()
    assert report["run"]["status"] == "playing"
    assert report["incident"] is None  # nothing declared yet: every target reads not yet
    assert {row["status"] for row in report["targets"]} == {"not_yet"}

    finished = api_as(manager).post(f"{RUNS}{stored.pk}/finish/")
    assert finished.status_code == 200, finished.json()
    assert finished.json()["status"] == "finished"
    stored.refresh_from_db()
    assert stored.report["run"]["status"] == "finished"
    assert not SocialAccount.objects.get(pk=stored.account_id).is_active
    kept = api_as(manager).get(f"{RUNS}{stored.pk}/report/").json()
    assert kept == stored.report
    again = api_as(manager).post(f"{RUNS}{stored.pk}/finish/")
    assert again.status_code == 200
    stored.refresh_from_db()
    assert stored.report == kept  # finishing twice changes nothing
    drill = api_as(manager).get(f"{DRILLS}{stored.drill_id}/").json()
    assert drill["run"] == stored.pk
    assert drill["findings"]  # the report's findings written into the record


def test_unknown_runs_and_drills_are_404(api_as, reader):
    for url in (f"{DRILLS}999999/", f"{RUNS}999999/", f"{RUNS}999999/report/"):
        assert api_as(reader).get(url).status_code == 404
