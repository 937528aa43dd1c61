from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.models import ClaimStatus, Incident, Status, TimelineEvent
from tests.incidents.factories import (
    ChecklistItemFactory,
    ClaimFactory,
    IncidentFactory,
    TimelineEventFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


def detail(incident: Incident, suffix: str = "") -> str:
    return f"/api/v1/incidents/{incident.pk}/{suffix}"


def test_declare_returns_id_and_reference(api_as, responder):
    response = api_as(responder).post(
        LIST,
        {"title": "Outage rumour", "severity": 2, "tags": ["outage"], "category": "rumour"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == Incident.objects.get().pk
    assert body["reference"].startswith("INC-")
    assert body["tags"] == ["outage"]
    assert body["status"] == "detected"
    assert body["declared_by"]["username"] == "responder"
    assert set(body["allowed_transitions"]) == {"triaged", "responding"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": "x"}, "severity"),
        ({"title": "x", "severity": 9}, "severity"),
        ({"title": "x", "severity": "high"}, "severity"),
        ({"title": "", "severity": 1}, "title"),
        ({"title": "x", "severity": 1, "category": "aliens"}, "category"),
        ({"title": "x", "severity": 1, "tags": "not-a-list"}, "tags"),
        ({"title": "x", "severity": 1, "detected_at": "yesterday"}, "detected_at"),
        (
            {"title": "x", "severity": 1, "detected_at": "2999-01-01T00:00:00Z"},
            "detected_at",
        ),
    ],
)
def test_bad_input_gets_400_naming_the_field(api_as, responder, payload, field):
    response = api_as(responder).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("", "application/json"),
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
        ("title=x", "text/plain"),
    ],
)
def test_garbage_never_produces_a_500(api_as, responder, body, content_type):
    client = api_as(responder)
    incident = IncidentFactory()
    for url in (
        LIST,
        detail(incident, "transition/"),
        detail(incident, "timeline/"),
        detail(incident, "claims/"),
        detail(incident, "checklist/"),
    ):
        response = client.generic("POST", url, body, content_type=content_type)
        assert 400 <= response.status_code < 500, (url, response.status_code)
    # An empty PATCH changes nothing and is fine; anything else is refused, never a crash.
    response = client.generic("PATCH", detail(incident), body, content_type=content_type)
    assert response.status_code < 500


def test_list_filters_like_the_page(api_as, reader):
    hit = IncidentFactory(severity=1, status=Status.RESPONDING, title="Battery fire video")
    IncidentFactory(severity=1, status=Status.DETECTED, title="Battery fire again")
    IncidentFactory(severity=3, status=Status.RESPONDING, title="Shipping delays")
    client = api_as(reader)
    response = client.get(LIST, {"severity": 1, "status": "responding", "q": "battery"})
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [hit.reference]

    response = client.get(LIST, {"open": "true", "ordering": "-severity"})
    assert [row["severity"] for row in response.json()["results"]] == [3, 1, 1]


def test_list_rejects_an_unknown_filter_value_with_400(api_as, reader):
    response = api_as(reader).get(LIST, {"status": "exploded"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_date_range_filter(api_as, reader):
    now = timezone.now()
    old = IncidentFactory(detected_at=now - timedelta(days=40))
    IncidentFactory(detected_at=now - timedelta(days=1))
    response = api_as(reader).get(
        LIST, {"detected_before": (now - timedelta(days=30)).date().isoformat()}
    )
    assert [row["id"] for row in response.json()["results"]] == [old.pk]


def test_update_and_transition(api_as, manager):
    incident = IncidentFactory(title="Old", severity=3)
    client = api_as(manager)
    response = client.patch(detail(incident), {"title": "New", "severity": 2}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["severity"]) == ("New", 2)

    response = client.post(detail(incident, "transition/"), {"to": "responding"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "responding"
    assert response.json()["acknowledged_at"] is not None

    # Well formed, but not a move the lifecycle allows from here: a conflict, naming the field.
    response = client.post(detail(incident, "transition/"), {"to": "closed"}, format="json")
    assert response.status_code == 409
    assert "Responding" in response.json()["to"][0]


def test_put_is_not_offered(api_as, manager):
    response = api_as(manager).put(detail(IncidentFactory()), {"title": "x"}, format="json")
    assert response.status_code == 405


def test_timeline_lists_and_adds_backdated_notes(api_as, responder):
    incident = IncidentFactory()
    TimelineEventFactory.create_batch(3, incident=incident)
    client = api_as(responder)
    at = (timezone.now() - timedelta(hours=2)).isoformat()
    response = client.post(
        detail(incident, "timeline/"),
        {"text": "Spoke to the press office", "at": at},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["backdated"] is True
    assert response.json()["actor"]["username"] == "responder"
    response = client.get(detail(incident, "timeline/"))
    assert response.json()["count"] == 4


def test_claims_endpoint(api_as, responder, manager):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    response = api_as(responder).post(
        detail(incident, "claims/"), {"statement": "The CEO resigned"}, format="json"
    )
    assert response.status_code == 201
    claim_id = response.json()["id"]
    url = detail(incident, f"claims/{claim_id}/")
    response = api_as(manager).patch(url, {"status": "false"}, format="json")
    assert response.status_code == 400
    assert "evidence" in response.json()
    response = api_as(manager).patch(
        url, {"status": "false", "evidence": "CEO posted today"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == ClaimStatus.FALSE
    assert response.json()["verified_by"]["username"] == "manager"
    assert api_as(manager).get(detail(incident, "claims/")).json()["count"] == 1


def test_a_claims_patch_changes_only_what_it_names(api_as, manager):
    """PATCH is partial, as its document says: evidence alone is added to the verdict, the
    status left as it is; an empty body changes nothing."""
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    claim = ClaimFactory(
        incident=incident,
        status=ClaimStatus.FALSE,
        evidence="CEO posted",
        verified_by=manager,
        verified_at=timezone.now(),
    )
    url = detail(incident, f"claims/{claim.pk}/")
    response = api_as(manager).patch(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == ClaimStatus.FALSE
    response = api_as(manager).patch(url, {"evidence": "And spoke on TV"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == ClaimStatus.FALSE
    assert response.json()["evidence"] == "And spoke on TV"


def test_a_claim_of_another_incident_is_not_found(api_as, manager):
    claim = ClaimFactory()
    other = IncidentFactory()
    response = api_as(manager).patch(
        detail(other, f"claims/{claim.pk}/"), {"status": "investigating"}, format="json"
    )
    assert response.status_code == 404


def test_checklist_endpoint(api_as, manager, responder):
    incident = IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    client = api_as(manager)
    response = client.post(
        detail(incident, "checklist/"),
        {"title": "Brief customer care", "assignee": responder.pk},
        format="json",
    )
    assert response.status_code == 201
    item = response.json()
    assert item["assignee"]["username"] == "responder"
    response = client.patch(
        detail(incident, f"checklist/{item['id']}/"),
        {"done": True, "due_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["done"] is True
    assert response.json()["done_by"]["username"] == "manager"
    response = client.patch(
        detail(incident, f"checklist/{item['id']}/"), {"assignee": 999999}, format="json"
    )
    assert response.status_code == 400


def test_token_authentication(api, responder):
    token = Token.objects.create(user=responder)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(LIST).status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert api.get(LIST).status_code == 401


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("post", "", {"title": "x", "severity": 1}),
        ("patch", "{id}/", {"title": "x"}),
        ("post", "{id}/transition/", {"to": "triaged"}),
        ("post", "{id}/timeline/", {"text": "x"}),
        ("post", "{id}/claims/", {"statement": "x"}),
        ("post", "{id}/checklist/", {"title": "x"}),
    ],
)
def test_a_reader_may_read_but_not_write(api_as, reader, method, suffix, payload):
    incident = IncidentFactory()
    client = api_as(reader)
    url = LIST + suffix.format(id=incident.pk)
    response = getattr(client, method)(url, payload, format="json")
    assert response.status_code == 403
    assert client.get(detail(incident)).status_code == 200
    assert TimelineEvent.objects.filter(incident=incident).count() == 0


def test_a_reader_is_refused_before_validation(api_as, reader):
    assert api_as(reader).post(LIST, {}, format="json").status_code == 403


@pytest.mark.parametrize(("role", "status"), [("responder", 403), ("manager", 200)])
def test_closing_is_for_managers(api_as, request, role, status):
    user = request.getfixturevalue(role)
    incident = IncidentFactory(
        status=Status.RESOLVED,
        severity=3,
        acknowledged_at=timezone.now(),
        resolved_at=timezone.now(),
    )
    response = api_as(user).post(detail(incident, "transition/"), {"to": "closed"}, format="json")
    assert response.status_code == status


def test_checklist_patch_is_all_or_nothing(api_as, manager):
    item = ChecklistItemFactory(
        incident=IncidentFactory(status=Status.RESPONDING, acknowledged_at=timezone.now())
    )
    client = api_as(manager)
    response = client.patch(
        detail(item.incident, f"checklist/{item.pk}/"),
        {"done": True, "assignee": None, "due_at": None},
        format="json",
    )
    assert response.status_code == 200


def test_schema_is_valid_openapi_and_complete(api_as, reader):
    from drf_spectacular.validation import validate_schema

    response = api_as(reader).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    for path in [
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/incidents/{id}/transition/",
        "/api/v1/incidents/{id}/timeline/",
        "/api/v1/incidents/{incident_pk}/claims/",
        "/api/v1/incidents/{incident_pk}/claims/{id}/",
        "/api/v1/incidents/{incident_pk}/checklist/",
        "/api/v1/incidents/{incident_pk}/checklist/{id}/",
    ]:
        assert path in paths, path
    list_parameters = {p["name"] for p in paths["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"status", "severity", "category", "q", "ordering", "page"} <= list_parameters


def test_schema_generates_without_warnings():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=out)


def test_docs_page_loads_swagger_from_our_own_static_files(client, reader):
    client.force_login(reader)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_declare_through_the_api_can_name_the_crisis_lead(api_as, responder, manager):
    from teams.selectors import crisis_lead_of

    response = api_as(responder).post(
        LIST, {"title": "Lead named", "severity": 2, "crisis_lead": manager.pk}, format="json"
    )
    assert response.status_code == 201
    assert crisis_lead_of(incident=Incident.objects.get()) == manager
    response = api_as(responder).post(
        LIST, {"title": "x", "severity": 2, "crisis_lead": 999999}, format="json"
    )
    assert response.status_code == 400
    assert "crisis_lead" in response.json()
