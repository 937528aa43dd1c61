"""The risk register on its pages and in the API: the list sorted and filtered (hostile values
refused, never read as "no filter"), the 5 x 5 heat map, a risk's page with its mitigations,
history and incidents, writing one, and naming the risk an incident realised."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import TimelineEvent, WarRoomPart
from teams import flows
from teams.models import Deadline, Mitigation, Risk, RiskChange
from teams.risks import services

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


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


@pytest.fixture
def register(manager, responder):
    """A register across the bands: critical, high (owned by the responder), medium with its
    review overdue, low and retired."""
    return {
        "critical": record(manager, title="Viral product rumour", likelihood=4, impact=5),
        "high": record(manager, title="Data exposed", likelihood=2, impact=5, owner=responder),
        "medium": record(
            manager,
            title="Campaign misread",
            category="bad_campaign",
            likelihood=3,
            impact=3,
            review_at=timezone.now() - timedelta(days=1),
        ),
        "low": record(manager, title="Supplier late", category="other", likelihood=1, impact=2),
        "retired": record(
            manager, title="Old factory flood", likelihood=5, impact=5, status="retired"
        ),
    }


def titles(response) -> list[str]:
    return [risk.title for risk in response.context["page"].object_list]


# --- the list -------------------------------------------------------------------------------


def test_the_register_lists_the_highest_score_first_and_sorts_on_request(client, reader, register):
    client.force_login(reader)
    url = reverse("teams:risks")
    assert titles(client.get(url)) == [
        "Old factory flood",
        "Viral product rumour",
        "Data exposed",
        "Campaign misread",
        "Supplier late",
    ]
    assert titles(client.get(url, {"ordering": "title"}))[0] == "Campaign misread"
    assert titles(client.get(url, {"ordering": "-review_at"}))[-1] == "Campaign misread"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"band": "critical"}, ["Old factory flood", "Viral product rumour"]),
        ({"band": ["high", "low"]}, ["Data exposed", "Supplier late"]),
        ({"status": "retired"}, ["Old factory flood"]),
        ({"category": "bad_campaign"}, ["Campaign misread"]),
        ({"overdue": "true"}, ["Campaign misread"]),
        ({"q": "product rumour"}, ["Viral product rumour"]),
        ({"owner": "me"}, ["Data exposed"]),
        (  # the page's "All" and "Any" options: no filter
            {"q": "", "status": "", "category": "", "band": "", "overdue": "", "ordering": ""},
            [
                "Old factory flood",
                "Viral product rumour",
                "Data exposed",
                "Campaign misread",
                "Supplier late",
            ],
        ),
    ],
)
def test_the_filters(client, responder, register, query, expected):
    client.force_login(responder)
    assert titles(client.get(reverse("teams:risks"), query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"band": "purple"},
        {"status": "gone"},
        {"overdue": "1"},
        {"owner": "someone"},
        {"playbook": "-3"},
        {"ordering": "password"},
        {"q": "x" * 201},
    ],
)
def test_a_value_not_understood_is_said_and_lists_nothing(client, reader, register, query):
    client.force_login(reader)
    response = client.get(reverse("teams:risks"), query)
    assert response.status_code == 400
    assert titles(response) == []
    assert "Some filters were not understood" in html(response)


def test_each_row_shows_its_band_overdue_review_and_a_risk_that_keeps_happening(
    client, manager, register
):
    risk = register["critical"]
    for title in ("Video of a sick child", "Second video"):
        incident = flows.incident_declare(actor=manager, title=title, severity=2)
        services.risk_realised(actor=manager, risk=risk, incident=incident)
    client.force_login(manager)
    page = html(client.get(reverse("teams:risks")))
    assert "20 · Critical" in page
    assert page.count('data-testid="keeps-happening"') == 1
    assert "text-danger fw-semibold" in page  # the overdue review


def test_the_empty_register_says_what_to_do(client, manager):
    client.force_login(manager)
    page = html(client.get(reverse("teams:risks")))
    assert "No risk recorded yet." in page
    assert "Record the first one" in page


# --- the heat map ---------------------------------------------------------------------------


def test_the_heat_map_puts_each_risk_in_its_cell_and_leaves_retired_ones_out(
    client, reader, register
):
    client.force_login(reader)
    response = client.get(reverse("teams:risk-heat-map"))
    grid = response.context["grid"]
    assert [row[0]["likelihood"] for row in grid] == [5, 4, 3, 2, 1]
    assert [cell["impact"] for cell in grid[0]] == [1, 2, 3, 4, 5]
    cells = {
        (cell["likelihood"], cell["impact"]): [risk.title for risk in cell["risks"]]
        for row in grid
        for cell in row
    }
    assert cells[(4, 5)] == ["Viral product rumour"]
    assert cells[(5, 5)] == []  # retired
    assert cells[(1, 2)] == ["Supplier late"]
    assert sum(len(names) for names in cells.values()) == 4
    page = html(response)
    assert 'aria-label="Likelihood 4, impact 5: Critical, 1 risks"' in page
    assert grid[1][4]["band"].name == "critical"
    filtered = client.get(reverse("teams:risk-heat-map"), {"category": "bad_campaign"})
    assert filtered.context["count"] == 1


# --- a risk ---------------------------------------------------------------------------------


def test_a_manager_records_a_risk_on_the_form_and_its_review_becomes_a_deadline(
    client, manager, responder
):
    client.force_login(manager)
    response = client.post(
        reverse("teams:risk-new"),
        {
            "title": "Customer data is exposed",
            "category": "security_breach",
            "likelihood": "2",
            "impact": "5",
            "owner": responder.pk,
            "status": "open",
            "watch_terms": "hacked, leak\nmy password",
            "review_at": "2030-01-01T10:00",
        },
    )
    risk = Risk.objects.get()
    assert response["Location"] == reverse("teams:risk", args=[risk.pk])
    assert risk.watch_terms == ["hacked", "leak", "my password"]
    assert RiskChange.objects.filter(risk=risk, what="Recorded").exists()
    assert Deadline.objects.get(subject=f"risk:{risk.pk}").owner == responder
    initial = client.get(reverse("teams:risk-edit", args=[risk.pk])).context["form"].initial
    form = {name: "" if value is None else value for name, value in initial.items()}
    edit = client.post(
        reverse("teams:risk-edit", args=[risk.pk]),
        {**form, "owner": responder.pk, "likelihood": "3", "watch_terms": "hacked"},
    )
    assert edit.status_code == 302
    change = RiskChange.objects.filter(risk=risk, what="Changed").get()
    assert change.fields["likelihood"] == [2, 3]


def test_a_bad_rating_is_refused_on_the_form(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("teams:risk-new"),
        {
            "title": "X",
            "category": "other",
            "likelihood": "9",
            "impact": "0",
            "owner": manager.pk,
            "status": "open",
            "review_at": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in html(response)
    assert not Risk.objects.exists()


def test_the_risk_page_shows_mitigations_history_and_incidents_and_lets_a_manager_work_it(
    client, manager, register
):
    risk = register["critical"]
    incident = flows.incident_declare(actor=manager, title="Video of a sick child", severity=2)
    services.risk_realised(actor=manager, risk=risk, incident=incident)
    client.force_login(manager)
    url = reverse("teams:risk", args=[risk.pk])
    client.post(
        reverse("teams:risk-mitigation-add", args=[risk.pk]),
        {
            "mitigation-text": "Retained samples",
            "mitigation-owner": manager.pk,
            "mitigation-status": "planned",
        },
    )
    mitigation = Mitigation.objects.get(risk=risk)
    client.post(
        reverse("teams:risk-mitigation-status", args=[risk.pk, mitigation.pk]), {"status": "done"}
    )
    mitigation.refresh_from_db()
    assert mitigation.status == "done"
    refused = client.post(
        reverse("teams:risk-review", args=[risk.pk]),
        {"review-next_review_at": "2001-01-01T10:00"},
        follow=True,
    )
    assert "The next review must be in the future." in html(refused)
    client.post(
        reverse("teams:risk-review", args=[risk.pk]),
        {"review-next_review_at": "2031-01-01T10:00", "review-note": "Lab contract renewed"},
    )
    page = html(client.get(url))
    assert "Retained samples" in page
    assert incident.reference in page
    assert "Reviewed: Lab contract renewed" in page
    assert "Mitigation added: Retained samples" in page


def test_a_mitigation_of_another_risk_is_not_found(client, manager, register):
    other = services.mitigation_save(
        actor=manager, risk=register["low"], text="Second supplier", owner=manager
    )
    client.force_login(manager)
    url = reverse("teams:risk-mitigation-status", args=[register["critical"].pk, other.pk])
    assert client.post(url, {"status": "done"}).status_code == 404


def test_a_responder_reads_the_register_but_changes_nothing(client, responder, register):
    risk = register["critical"]
    client.force_login(responder)
    page = html(client.get(reverse("teams:risk", args=[risk.pk])))
    assert 'data-testid="review-form"' not in page
    assert 'data-testid="risk-new"' not in html(client.get(reverse("teams:risks")))
    for name, data in (
        ("teams:risk-new", {}),
        ("teams:risk-edit", {}),
        ("teams:risk-review", {"review-next_review_at": "2031-01-01T10:00"}),
        ("teams:risk-mitigation-add", {"mitigation-text": "x"}),
    ):
        args = [] if name == "teams:risk-new" else [risk.pk]
        assert client.post(reverse(name, args=args), data).status_code == 403, name
    assert not Mitigation.objects.exists()


# --- from the incident ----------------------------------------------------------------------


def test_a_manager_names_the_risk_from_the_war_room_once(client, manager, register):
    risk = register["critical"]
    incident = flows.incident_declare(actor=manager, title="Video of a sick child", severity=2)
    client.force_login(manager)
    assert 'data-testid="risk-realise"' in html(client.get(incident.part_url(WarRoomPart.RISKS)))
    url = reverse("teams:incident-risk-realised", args=[incident.reference])
    client.post(url, {"risk": risk.pk})
    client.post(url, {"risk": risk.pk})
    assert list(risk.incidents.all()) == [incident]
    notes = incident.events.filter(kind=TimelineEvent.Kind.NOTE, text__contains="realises")
    assert notes.count() == 1
    war_room = html(client.get(incident.part_url(WarRoomPart.RISKS)))
    assert 'data-testid="realised-risks"' in war_room
    assert "Viral product rumour" in war_room
    retired = client.post(url, {"risk": register["retired"].pk}, follow=True)
    assert "Select a valid choice" in html(retired)


def test_a_responder_cannot_name_a_risk(client, responder, manager, register):
    incident = flows.incident_declare(actor=manager, title="Rumour", severity=3)
    client.force_login(responder)
    assert 'data-testid="risk-realise"' not in html(client.get(incident.get_absolute_url()))
    url = reverse("teams:incident-risk-realised", args=[incident.reference])
    assert client.post(url, {"risk": register["critical"].pk}).status_code == 403
    assert not register["critical"].incidents.exists()


# --- the API --------------------------------------------------------------------------------


def test_the_api_lists_with_filters_and_refuses_what_it_does_not_understand(
    api_as, reader, register
):
    api = api_as(reader)
    body = api.get("/api/v1/risks/", {"band": "critical", "status": "open"}).json()
    assert [row["title"] for row in body["results"]] == ["Viral product rumour"]
    row = body["results"][0]
    assert (row["score"], row["band"], row["keeps_happening"]) == (20, "critical", False)
    overdue = api.get("/api/v1/risks/", {"overdue": "true"}).json()
    assert [row["title"] for row in overdue["results"]] == ["Campaign misread"]
    assert overdue["results"][0]["review_overdue"] is True
    for bad in ({"band": "purple"}, {"overdue": "yes"}, {"ordering": "owner__password"}):
        assert api.get("/api/v1/risks/", bad).status_code == 400, bad


def test_the_api_records_changes_mitigates_reviews_and_links(api_as, manager, responder):
    api = api_as(manager)
    created = api.post(
        "/api/v1/risks/",
        {
            "title": "Customer data is exposed",
            "category": "security_breach",
            "likelihood": 2,
            "impact": 5,
            "owner": responder.pk,
            "review_at": "2030-01-01T10:00:00Z",
            "watch_terms": ["hacked"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["band"] == "high"
    changed = api.patch(f"/api/v1/risks/{pk}/", {"likelihood": 4}, format="json")
    assert changed.json()["band"] == "critical"
    assert changed.json()["changes"][0]["fields"] == {"likelihood": [2, 4]}
    mitigation = api.post(
        f"/api/v1/risks/{pk}/mitigations/",
        {"text": "Two-factor sign-in", "owner": responder.pk},
        format="json",
    )
    assert mitigation.status_code == 201
    done = api.patch(
        f"/api/v1/risks/{pk}/mitigations/{mitigation.json()['id']}/",
        {"status": "done"},
        format="json",
    )
    assert done.json()["status"] == "done"
    reviewed = api.post(
        f"/api/v1/risks/{pk}/review/", {"next_review_at": "2031-01-01T10:00:00Z"}, format="json"
    )
    assert reviewed.json()["review_at"].startswith("2031-01-01")
    past = api.post(
        f"/api/v1/risks/{pk}/review/", {"next_review_at": "2001-01-01T10:00:00Z"}, format="json"
    )
    assert past.status_code == 400
    incident = flows.incident_declare(actor=manager, title="Leak", severity=1)
    linked = api.post(f"/api/v1/risks/{pk}/realised/", {"incident": incident.pk}, format="json")
    assert [row["reference"] for row in linked.json()["incidents"]] == [incident.reference]
    bad = api.post(f"/api/v1/risks/{pk}/realised/", {"incident": 99999999}, format="json")
    assert bad.status_code == 400


def test_the_api_refuses_a_responder_and_bad_bodies(api_as, responder, manager, register):
    pk = register["critical"].pk
    api = api_as(responder)
    assert api.patch(f"/api/v1/risks/{pk}/", {"impact": 1}, format="json").status_code == 403
    api = api_as(manager)
    for body in ({"likelihood": 6}, {"likelihood": "4"}, {"watch_terms": "a"}, {"owner": None}):
        assert api.patch(f"/api/v1/risks/{pk}/", body, format="json").status_code == 400, body
    register["critical"].refresh_from_db()
    assert register["critical"].likelihood == 4


def test_the_list_costs_the_same_for_few_or_many(
    api_as, reader, manager, register, django_assert_max_num_queries
):
    for n in range(10):
        risk = record(manager, title=f"Risk {n}")
        services.mitigation_save(actor=manager, risk=risk, text="Do", owner=manager)
    api = api_as(reader)
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/risks/").json()["count"] == 15
