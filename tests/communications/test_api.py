import pytest

from communications.models import Message
from teams import flows
from tests.communications.factories import SandboxAccountFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db
S = Message.Status


@pytest.fixture
def account():
    return SandboxAccountFactory(handle="brand")


@pytest.fixture
def incident(responder):
    return flows.incident_declare(actor=responder, title="Outage", severity=1)


def create(client, incident, on, **extra):
    payload = {"incident": incident.pk, "account": on.pk, "body": "We are on it.", **extra}
    return client.post("/api/v1/messages/", payload, format="json")


def test_accounts_never_show_credentials(api_as, reader):
    SocialAccountFactory(handle="brand_tr")
    body = api_as(reader).get("/api/v1/accounts/").json()
    [account] = body["results"]
    assert account["handle"] == "brand_tr"
    assert account["sandbox"] is False
    assert "credentials" not in str(account).replace("credentials_rotated_at", "")
    assert "ck-test" not in str(body)


def test_draft_submit_approve_through_the_api(
    api_as, responder, manager, manager2, incident, account, django_capture_on_commit_callbacks
):
    response = create(api_as(responder), incident, account, submit=True)
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["status"] == "pending_approval"
    assert message["approvals_required"] == 2
    assert message["account"]["sandbox"] is True

    own = api_as(responder).post(f"/api/v1/messages/{message['id']}/approve/")
    assert own.status_code == 403

    client = api_as(manager)
    assert client.post(f"/api/v1/messages/{message['id']}/approve/").json()["status"] == (
        "pending_approval"
    )
    again = client.post(f"/api/v1/messages/{message['id']}/approve/")
    assert again.status_code == 409  # already approved by this person: the state refuses it
    with django_capture_on_commit_callbacks(execute=True):
        done = api_as(manager2).post(
            f"/api/v1/messages/{message['id']}/approve/", {"comment": "OK"}, format="json"
        )
    assert done.status_code == 200
    published = api_as(responder).get(f"/api/v1/messages/{message['id']}/").json()
    assert published["status"] == "published"
    assert published["sandbox"] is True
    assert [a["decision"] for a in published["approvals"]] == ["approved", "approved"]
    log = api_as(responder).get("/api/v1/log/").json()
    assert [row["id"] for row in log["results"]] == [message["id"]]


def test_an_edit_through_the_api_voids_approvals(api_as, responder, manager, incident, account):
    message = create(api_as(responder), incident, account, submit=True).json()
    api_as(manager).post(f"/api/v1/messages/{message['id']}/approve/")
    response = api_as(responder).patch(
        f"/api/v1/messages/{message['id']}/", {"body": "We are really on it."}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft"
    assert body["approvals"][0]["voided"] is True
    assert body["kind"] == "tweet"


def test_refusals_need_a_comment(api_as, responder, manager, incident, account):
    message = create(api_as(responder), incident, account, submit=True).json()
    url = f"/api/v1/messages/{message['id']}/reject/"
    assert api_as(manager).post(url, {}, format="json").status_code == 400
    response = api_as(manager).post(url, {"comment": "Not yet"}, format="json")
    assert response.json()["status"] == "rejected"
    response = api_as(responder).post(f"/api/v1/messages/{message['id']}/withdraw/")
    assert response.json()["status"] == "withdrawn"
    edit = api_as(responder).patch(
        f"/api/v1/messages/{message['id']}/", {"body": "Too late."}, format="json"
    )
    assert edit.status_code == 409
    assert "can no longer be edited" in str(edit.json())


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"body": "a" * 281}, "body"),
        ({"body": ""}, "body"),
        ({"kind": "reply"}, "reply_to_post"),
        ({"kind": "quote"}, "quote_post"),
        ({"kind": "poem"}, "kind"),
        ({"scheduled_at": "soon"}, "scheduled_at"),
        ({"account": 999999}, "account"),
    ],
)
def test_bad_messages_get_400_naming_the_field(api_as, responder, incident, account, extra, field):
    response = create(api_as(responder), incident, account, **extra)
    assert response.status_code == 400
    assert field in response.json()


def test_a_reader_cannot_draft_or_approve(api_as, reader, responder, incident, account):
    assert create(api_as(reader), incident, account).status_code == 403
    message = create(api_as(responder), incident, account, submit=True).json()
    assert api_as(reader).post(f"/api/v1/messages/{message['id']}/approve/").status_code == 403


def test_message_list_filters(api_as, responder, incident, account):
    create(api_as(responder), incident, account)
    create(api_as(responder), incident, account, submit=True, body="Second")
    body = api_as(responder).get("/api/v1/messages/", {"status": "pending_approval"}).json()
    assert [m["body"] for m in body["results"]] == ["Second"]
    body = api_as(responder).get("/api/v1/messages/", {"reference": incident.reference}).json()
    assert body["count"] == 2


def test_templates_through_the_api(api_as, manager, manager2, responder, incident):
    response = api_as(manager).post(
        "/api/v1/templates/",
        {"name": "Holding", "kind": "holding_statement", "body": "About {title} ({reference})."},
        format="json",
    )
    assert response.status_code == 201
    template = response.json()
    assert template["approved"] is False
    url = f"/api/v1/templates/{template['id']}/"
    assert api_as(manager).post(url + "approve/").status_code == 403  # its author
    assert api_as(responder).post(url + "approve/").status_code == 403  # no approve right
    assert api_as(manager2).post(url + "approve/").json()["approved"] is True
    rendered = api_as(responder).post(url + "render/", {"incident": incident.pk}, format="json")
    assert rendered.json()["text"] == f"About {{title}} ({incident.reference})."
    assert rendered.json()["valid"] is True
    assert rendered.json()["unfilled"] == ["{title}"]
    changed = api_as(manager2).patch(url, {"body": "New words."}, format="json").json()
    assert changed["approved"] is False
    assert api_as(responder).post("/api/v1/templates/", {}, format="json").status_code == 403
    assert api_as(manager).post("/api/v1/templates/", {}, format="json").status_code == 400
    twin = api_as(manager).post(
        "/api/v1/templates/",
        {"name": "holding", "kind": "holding_statement", "body": "Other words."},
        format="json",
    )
    assert twin.status_code == 409
    assert "already exists" in twin.json()["name"][0]


def test_a_staff_briefing_through_the_api_has_no_account(api_as, responder, incident):
    response = api_as(responder).post(
        "/api/v1/messages/",
        {"incident": incident.pk, "kind": "staff_briefing", "body": "All staff: " + "x" * 400},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["account"] is None
    response = api_as(responder).post(
        "/api/v1/messages/", {"incident": incident.pk, "body": "No account"}, format="json"
    )
    assert response.status_code == 400
    assert "account" in response.json()
