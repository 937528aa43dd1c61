"""Listening alerts on their pages and in the API: the list (filters refusing what they do
not understand), an alert with its explanation, chart and top posts, declaring from it once
and dismissing it; the volume endpoint the charts read; the dashboard's and the war room's
volume."""

from datetime import timedelta

import pytest
from django.urls import reverse

from communications.listening import alerts
from communications.listening.mentions import services as mention_services
from communications.models import Alert
from incidents.models import Incident, Source, WarRoomPart
from teams import flows
from teams.models import PlaybookRun
from tests.communications.factories import SandboxAccountFactory
from tests.communications.listening_data import STORM_END, TUESDAY_14, quiet_history, storm

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def account():
    account = SandboxAccountFactory.create(handle="brand", display_name="Brand")
    quiet_history(account)
    return account


@pytest.fixture
def alert(account):
    storm(account)
    raised = alerts.alert_evaluate(account_id=account.pk, end=STORM_END)
    assert raised is not None
    return raised


@pytest.fixture
def playbook(manager):
    from communications.messaging.services.playbooks import playbook_write

    return playbook_write(
        actor=manager,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post says a product hurt someone.",
        severity_hint=2,
    ).playbook


# --- pages ----------------------------------------------------------------------------------


def test_the_alerts_page_lists_alerts_with_their_explanation(client, reader, alert):
    client.force_login(reader)
    response = client.get(reverse("communications:alerts"))
    assert response.status_code == 200
    assert "60 posts in the last 30 min on @brand" in html(response)
    assert "still spiking" in html(response)


def test_an_alert_on_a_drill_account_is_marked_drill_and_a_real_one_is_not(
    client, reader, account, alert
):
    client.force_login(reader)
    assert 'data-testid="drill-badge"' not in html(client.get(reverse("communications:alerts")))
    account.is_drill = True
    account.save(update_fields=["is_drill"])
    assert 'data-testid="drill-badge"' in html(client.get(reverse("communications:alerts")))


def test_the_alerts_page_filters_and_refuses_what_it_does_not_understand(client, reader, alert):
    client.force_login(reader)
    assert list(client.get(reverse("communications:alerts"), {"status": "open"}).context["page"])
    assert not list(
        client.get(reverse("communications:alerts"), {"status": "dismissed"}).context["page"]
    )
    for hostile in ({"status": "purple"}, {"account": "abc"}, {"account": "999999"}):
        response = client.get(reverse("communications:alerts"), hostile)
        assert response.status_code == 400
        assert not list(response.context["page"])
        assert "was not understood" in html(response)


def test_no_alert_says_so(client, reader):
    client.force_login(reader)
    response = client.get(reverse("communications:alerts"))
    assert "within its usual level" in html(response)


def test_the_alert_page_explains_it_and_offers_the_decisions(client, responder, alert):
    client.force_login(responder)
    response = client.get(alert.get_absolute_url())
    page = html(response)
    assert response.status_code == 200
    assert alert.explanation in page
    assert "@person0" in page  # the widest-reaching author
    assert "2,000,000" in page
    assert 'data-testid="alert-declare-form"' in page
    assert 'data-testid="alert-dismiss-form"' in page
    assert "data-volume-chart=" in page
    assert f"account={alert.account.pk}" in page


def test_a_reader_sees_the_alert_but_no_decisions(client, reader, alert):
    client.force_login(reader)
    page = html(client.get(alert.get_absolute_url()))
    assert "alert-declare-form" not in page
    assert "alert-dismiss-form" not in page
    response = client.post(reverse("communications:alert-declare", args=[alert.pk]))
    assert response.status_code == 403
    response = client.post(
        reverse("communications:alert-dismiss", args=[alert.pk]), {"reason": "No"}
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_suggested_playbook_is_chosen_on_the_form(client, responder, alert, playbook):
    Alert.objects.filter(pk=alert.pk).update(
        suggested_playbook=playbook, suggested_because="The risk “Recall” listens for “recall”."
    )
    client.force_login(responder)
    response = client.get(alert.get_absolute_url())
    assert response.context["declare_form"]["playbook"].value() == playbook.pk
    # The alert's words speak of harm ("sick"): SEV1 over the playbook's usual SEV2, said why.
    assert response.context["declare_form"]["severity"].value() == 1
    assert "Suggested SEV1: posts speak of harm (sick)." in html(response)
    assert "Suggested: The risk “Recall” listens for “recall”." in html(response)


def test_declaring_on_the_page_twice_declares_once(client, responder, alert, playbook):
    client.force_login(responder)
    url = reverse("communications:alert-declare", args=[alert.pk])
    body = {"title": "Batch 24-117 recall storm", "severity": "2", "playbook": playbook.pk}
    first = client.post(url, body)
    second = client.post(url, body)
    incident = Incident.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == incident.get_absolute_url()
    assert (incident.title, incident.severity, incident.source) == (
        "Batch 24-117 recall storm",
        2,
        Source.LISTENING_ALERT,
    )
    assert incident.mentions.count() == 5
    assert PlaybookRun.objects.filter(incident=incident).count() == 1
    page = html(client.get(alert.get_absolute_url()))
    assert incident.reference in page
    assert "alert-declare-form" not in page


def test_declaring_with_no_playbook_applies_none(client, responder, alert, playbook):
    Alert.objects.filter(pk=alert.pk).update(suggested_playbook=playbook)
    client.force_login(responder)
    client.post(
        reverse("communications:alert-declare", args=[alert.pk]),
        {"title": "Spike on @brand: batch, recall, sick", "severity": "3", "playbook": ""},
    )
    incident = Incident.objects.get()
    assert incident.title == "Spike on @brand: batch, recall, sick"
    assert not PlaybookRun.objects.exists()


def test_the_alert_page_offers_the_open_incident_its_posts_are_already_on(
    client, responder, reader, alert
):
    running = flows.incident_declare(actor=responder, title="Recall rumour", severity=2)
    for post in alert.top_posts.order_by("-author_followers")[:2]:
        mention_services.mention_link(actor=responder, mention=post, incident=running)
    client.force_login(reader)
    assert "alert-attach-form" not in html(client.get(alert.get_absolute_url()))
    assert (
        client.post(
            reverse("communications:alert-attach", args=[alert.pk]), {"incident": running.pk}
        ).status_code
        == 403
    )
    client.force_login(responder)
    response = client.get(alert.get_absolute_url())
    form = response.context["attach_form"]
    assert form["incident"].value() == running.pk
    assert f"2 of its top posts are already on {running.reference}." in html(response)

    bad = client.post(reverse("communications:alert-attach", args=[alert.pk]), {"incident": ""})
    assert bad.status_code == 400
    added = client.post(
        reverse("communications:alert-attach", args=[alert.pk]), {"incident": running.pk}
    )
    assert added.status_code == 302
    assert added.url == running.get_absolute_url()
    assert Incident.objects.count() == 1
    assert running.mentions.count() == 5
    page = html(client.get(alert.get_absolute_url()))
    assert "alert-attach-form" not in page
    assert "alert-declare-form" not in page


def test_with_no_open_incident_there_is_nothing_to_add_to(client, responder, alert):
    client.force_login(responder)
    response = client.get(alert.get_absolute_url())
    assert response.context["attach_form"] is None
    assert "alert-attach-form" not in html(response)


def test_the_api_adds_an_alert_to_an_open_incident(api_as, responder, reader, alert):
    running = flows.incident_declare(actor=responder, title="Recall rumour", severity=2)
    url = f"/api/v1/alerts/{alert.pk}/attach/"
    assert api_as(reader).post(url, {"incident": running.pk}, format="json").status_code == 403
    api = api_as(responder)
    refused = api.post(url, {"incident": 999_999}, format="json")
    assert refused.status_code == 400
    assert "incident" in refused.json()
    body = api.post(url, {"incident": running.pk}, format="json").json()
    assert (body["status"], body["incident"]["reference"]) == ("declared", running.reference)
    assert (body["suggested_severity"], body["suggested_severity_because"]) == (
        1,
        "posts speak of harm (sick)",
    )
    assert api.post(url, {"incident": running.pk}, format="json").status_code == 200
    assert Incident.objects.count() == 1


def test_the_title_is_a_suggestion_to_confirm_and_each_severity_says_what_it_means(
    client, responder, alert
):
    client.force_login(responder)
    form = client.get(alert.get_absolute_url()).context["declare_form"]
    assert form["title"].value() == "Spike on @brand: batch, recall, sick"  # a value, not grey
    assert "SEV1: The brand is under wide public attack" in str(form["severity"].help_text)
    blank = client.post(
        reverse("communications:alert-declare", args=[alert.pk]), {"title": " ", "severity": "2"}
    )
    assert blank.status_code == 400
    assert blank.context["declare_form"].errors["title"]
    assert not Incident.objects.exists()


def test_a_bad_severity_is_said_on_the_form(client, responder, alert):
    client.force_login(responder)
    response = client.post(
        reverse("communications:alert-declare", args=[alert.pk]), {"severity": "9"}
    )
    assert response.status_code == 400
    assert response.context["declare_form"].errors["severity"]
    assert not Incident.objects.exists()


def test_dismissing_on_the_page_needs_a_reason(client, responder, alert):
    client.force_login(responder)
    url = reverse("communications:alert-dismiss", args=[alert.pk])
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert response.context["dismiss_form"].errors["reason"]
    response = client.post(url, {"reason": "Our own launch campaign"})
    assert response.status_code == 302
    page = html(client.get(alert.get_absolute_url()))
    assert "Our own launch campaign" in page
    assert "alert-declare-form" not in page
    response = client.post(
        reverse("communications:alert-declare", args=[alert.pk]),
        {"title": "Recall storm", "severity": "3"},
    )
    assert response.status_code == 409
    assert "dismissed" in html(response)
    assert not Incident.objects.exists()


def test_the_dashboard_shows_open_alerts_and_the_busiest_accounts_volume(client, reader, alert):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="listening-panel"' in page
    assert "1 open alert" in page
    assert alert.explanation in page
    assert f"account={alert.account.pk}" in page


def test_the_war_room_shows_the_volume_since_detection(client, responder, alert):
    incident = alerts.alert_declare(actor=responder, alert=alert)
    client.force_login(responder)
    page = html(client.get(incident.part_url(WarRoomPart.VOLUME)))
    assert 'data-testid="incident-volume"' in page
    assert "Declared from the alert" in page
    assert f"account={alert.account.pk}" in page


def test_a_war_room_with_no_mention_says_so(client, responder):
    from teams import flows

    incident = flows.incident_declare(actor=responder, title="Quiet", severity=4)
    client.force_login(responder)
    page = html(client.get(incident.part_url(WarRoomPart.VOLUME)))
    assert "the volume shows once one is" in page


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_and_reads_alerts(api_as, reader, alert, django_assert_max_num_queries):
    client = api_as(reader)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/alerts/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["explanation"] == alert.explanation
    assert [post["author_followers"] for post in row["top_posts"]][:3] == [
        2_000_000,
        450_000,
        120_000,
    ]
    assert row["status"] == "open"
    assert client.get(f"/api/v1/alerts/{alert.pk}/").json()["id"] == alert.pk
    assert client.get("/api/v1/alerts/", {"status": "purple"}).status_code == 400


def test_the_api_list_does_not_grow_with_alerts(
    api_as, reader, account, django_assert_max_num_queries
):
    for n in range(4):
        other = SandboxAccountFactory.create()
        quiet_history(other, days=1)
        storm(other, first_id=10_000 * (n + 1))
        alerts.alert_evaluate(account_id=other.pk, end=STORM_END)
    assert Alert.objects.count() == 4
    client = api_as(reader)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/alerts/").json()["results"]) == 4


def test_the_api_declares_once(api_as, responder, manager, alert):
    first = api_as(responder).post(
        f"/api/v1/alerts/{alert.pk}/declare/", {"title": "Recall storm"}, format="json"
    )
    second = api_as(manager).post(f"/api/v1/alerts/{alert.pk}/declare/", {}, format="json")
    assert first.status_code == second.status_code == 200
    assert first.json()["incident"] == second.json()["incident"]
    assert first.json()["incident"]["title"] == "Recall storm"
    assert Incident.objects.count() == 1


def test_the_api_declares_with_no_playbook_when_told_null(api_as, responder, alert, playbook):
    Alert.objects.filter(pk=alert.pk).update(suggested_playbook=playbook)
    response = api_as(responder).post(
        f"/api/v1/alerts/{alert.pk}/declare/", {"playbook": None}, format="json"
    )
    assert response.status_code == 200
    assert not PlaybookRun.objects.exists()


def test_the_api_dismisses_with_a_reason_and_refuses_what_it_cannot_do(
    api_as, responder, reader, alert
):
    refused = api_as(reader).post(
        f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": "No"}, format="json"
    )
    assert refused.status_code == 403
    client = api_as(responder)
    assert client.post(f"/api/v1/alerts/{alert.pk}/dismiss/", {}, format="json").status_code == 400
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/dismiss/", {"reason": "A test campaign"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["dismiss_reason"] == "A test campaign"
    conflict = client.post(f"/api/v1/alerts/{alert.pk}/declare/", {}, format="json")
    assert conflict.status_code == 409


def test_the_volume_endpoint_gives_posts_and_the_usual_level(api_as, reader, alert):
    response = api_as(reader).get(
        "/api/v1/volume/",
        {
            "account": alert.account.pk,
            "since": TUESDAY_14.isoformat(),
            "until": STORM_END.isoformat(),
            "bucket": 5,
        },
    )
    assert response.status_code == 200
    series = response.json()["series"]
    assert len(series) == 6
    assert sum(point["posts"] for point in series) == 60
    assert {point["usual"] for point in series} == {1.0}  # one post per bucket, as always
    hourly = (
        api_as(reader)
        .get(
            "/api/v1/volume/",
            {
                "account": alert.account.pk,
                "since": (TUESDAY_14 - timedelta(hours=2)).isoformat(),
                "until": (TUESDAY_14 + timedelta(hours=1)).isoformat(),
                "bucket": 60,
            },
        )
        .json()["series"]
    )
    assert [point["posts"] for point in hourly] == [12, 12, 60]
    assert [point["usual"] for point in hourly] == [12.0, 12.0, 12.0]


def test_the_volume_endpoint_reads_a_watch_terms_series(api_as, reader, account):
    from communications.listening.mentions import services as mention_services
    from communications.listening.mentions.x_reader import FoundPost
    from communications.models import WatchTerm

    term = WatchTerm.objects.create(account=account, query="batch 24-117")
    found = [
        FoundPost(
            external_id=str(1_890_000_000_000_000_000 + n),
            text="batch 24-117?",
            author_id=str(n),
            author_handle=f"a{n}",
            author_name="",
            author_followers=10,
            posted_at=TUESDAY_14 + timedelta(minutes=n),
        )
        for n in range(7)
    ]
    mention_services.mentions_store(account=account, posts=found, origin="search", watch_term=term)
    query = {
        "account": account.pk,
        "term": term.pk,
        "since": TUESDAY_14.isoformat(),
        "until": STORM_END.isoformat(),
    }
    response = api_as(reader).get("/api/v1/volume/", query)
    assert response.status_code == 200
    assert response.json()["term"] == term.pk
    assert [point["posts"] for point in response.json()["series"]] == [5, 2, 0, 0, 0, 0]
    stranger = SandboxAccountFactory.create()
    refused = api_as(reader).get("/api/v1/volume/", {**query, "account": stranger.pk})
    assert refused.status_code == 400
    assert "term" in refused.json()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"account": "abc"},
        {"account": "999999"},
        {"bucket": "7"},
        {"term": "abc"},
        {"term": "999999"},
        {"since": "yesterday"},
        {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
        {"since": "2026-01-01T00:00:00Z", "until": "2026-12-01T00:00:00Z", "bucket": "5"},
        # The ends of the calendar: the range is read with the weeks before it.
        {"until": "0001-01-01T00:00"},
        {"since": "0001-01-01T00:00", "until": "0001-01-02T00:00", "bucket": "1440"},
        {"until": "9999-12-31T23:59:59"},
        {"since": "9999-12-30T23:59:59", "until": "9999-12-31T23:59:59", "bucket": "1440"},
    ],
)
def test_the_volume_endpoint_refuses_what_it_cannot_answer(api_as, reader, account, query):
    if query and "account" not in query:
        query = {"account": account.pk, **query}
    response = api_as(reader).get("/api/v1/volume/", query)
    assert response.status_code == 400
    assert response.json()
