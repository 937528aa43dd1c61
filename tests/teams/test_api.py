import pytest

from teams import flows, services
from teams.models import Notification, Reason, Role
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(manager):
    return flows.incident_declare(actor=manager, title="Outage", severity=2)


def roles_url(incident, suffix=""):
    return f"/api/v1/incidents/{incident.pk}/roles/{suffix}"


def test_people_and_roles(api_as, reader, responder):
    client = api_as(reader)
    people = client.get("/api/v1/people/").json()
    assert {p["username"] for p in people["results"]} >= {"reader", "responder"}
    assert next(p for p in people["results"] if p["username"] == "responder")["groups"] == [
        "Responder"
    ]
    roles = client.get("/api/v1/roles/").json()
    assert roles[0]["slug"] == "crisis_lead"
    assert client.get("/api/v1/roles/scribe/").json()["name"] == "Scribe"


def test_incident_roles_show_active_and_history(api_as, reader, incident, manager):
    body = api_as(reader).get(roles_url(incident)).json()
    [lead] = body["active"]
    assert lead["role"]["slug"] == "crisis_lead"
    assert lead["person"]["username"] == "manager"
    assert len(body["history"]) == 1


def test_post_hands_the_crisis_lead_over(api_as, manager, responder, incident):
    response = api_as(manager).post(
        roles_url(incident), {"role": "crisis_lead", "person": responder.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["username"] == "responder"
    body = api_as(manager).get(roles_url(incident)).json()
    assert [a["person"]["username"] for a in body["active"]] == ["responder"]
    assert len(body["history"]) == 2


def test_post_adds_other_roles_and_relieve(api_as, manager, responder, responder2, incident):
    client = api_as(manager)
    for person in (responder, responder2):
        response = client.post(
            roles_url(incident), {"role": "scribe", "person": person.pk}, format="json"
        )
        assert response.status_code == 201
    body = client.get(roles_url(incident)).json()
    scribes = [a for a in body["active"] if a["role"]["slug"] == "scribe"]
    assert len(scribes) == 2
    response = client.post(roles_url(incident, f"{scribes[0]['id']}/relieve/"))
    assert response.status_code == 200
    assert response.json()["active"] is False


def test_relieving_the_crisis_lead_is_refused(api_as, manager, incident):
    lead = api_as(manager).get(roles_url(incident)).json()["active"][0]
    response = api_as(manager).post(roles_url(incident, f"{lead['id']}/relieve/"))
    assert response.status_code == 400
    assert "hand the role over" in response.json()["role"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "role"),
        ({"role": "wizard", "person": 1}, "role"),
        ({"role": "scribe", "person": 999999}, "person"),
        ({"role": "scribe"}, "person"),
    ],
)
def test_bad_role_input_is_400(api_as, manager, incident, payload, field):
    response = api_as(manager).post(roles_url(incident), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_responder_who_does_not_lead_may_not_assign(api_as, responder, responder2, incident):
    response = api_as(responder).post(
        roles_url(incident), {"role": "scribe", "person": responder2.pk}, format="json"
    )
    assert response.status_code == 403


def test_on_call(api_as, reader, manager, responder):
    services.roster_add(
        actor=manager, role=Role.objects.get(slug="approver"), person=responder, kind="primary"
    )
    body = api_as(reader).get("/api/v1/oncall/").json()
    by_role = {row["role"]["slug"]: row for row in body["now"]}
    assert by_role["approver"]["source"] == "roster"
    assert by_role["approver"]["people"][0]["username"] == "responder"
    assert by_role["scribe"]["source"] == "nobody"
    assert body["shifts"] == []
    assert api_as(reader).get("/api/v1/oncall/", {"days": "x"}).status_code == 400


def test_notifications_are_the_callers_own(api_as, responder, responder2):
    IncidentFactory()
    [mine] = services.notify(
        recipients=[responder], reason=Reason.ROLE_ASSIGNED, subject="s:1", title="Mine"
    )
    [theirs] = services.notify(
        recipients=[responder2], reason=Reason.ROLE_ASSIGNED, subject="s:1", title="Theirs"
    )
    client = api_as(responder)
    body = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["Mine"]
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert not Notification.objects.get(pk=theirs.pk).is_read
    assert client.post("/api/v1/notifications/read-all/").status_code == 204
