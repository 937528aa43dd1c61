"""Playbooks on the pages and the API: writing one (each edit a new version, templates
approved only), declaring from one (twice sent, once declared), the war room's panel applying
one later, and the composer offering its templates."""

import pytest
from django.urls import reverse

from communications.messaging.services import statements
from communications.messaging.services.playbooks import playbook_write
from incidents.models import Incident, WarRoomPart
from teams import flows
from teams.models import Playbook, PlaybookRun, PlaybookVersion, Role
from tests.communications.factories import TemplateFactory
from tests.teams.factories import StakeholderGroupFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def approved_template(approver, **kwargs):
    template = TemplateFactory(**kwargs)
    return statements.template_approve(actor=approver, template=template)


@pytest.fixture
def holding(manager2):
    return approved_template(
        manager2,
        name="Product safety holding statement",
        body="We have seen reports about {title} and are checking them now.",
    )


@pytest.fixture
def playbook(manager, holding):
    StakeholderGroupFactory(name="Regulators")
    version = playbook_write(
        actor=manager,
        name="Product safety rumour",
        category="product_quality",
        scenario="A post claims one of our products hurt someone.",
        severity_hint=2,
        first_steps="**Do not** confirm or deny.\n\n<script>alert(1)</script>",
        checklist=[{"title": "Confirm the facts with product safety", "due_minutes": 30}],
        roles=[Role.objects.get(pk=Role.LEGAL_REVIEWER)],
        stakeholders=[],
        templates=[holding],
    )
    return version.playbook


FORM = {
    "name": "Data breach",
    "category": "security_breach",
    "severity_hint": "1",
    "scenario": "Customer data is exposed.",
    "first_steps": "Call the data protection officer.",
    "checklist": "15 | Call the data protection officer\nPrepare the regulator notice",
    "roles": [Role.LEGAL_REVIEWER, Role.COMMUNICATIONS_LEAD],
    "stakeholders": "Regulators | email | 60",
    "note": "",
}


def test_a_manager_writes_a_playbook_and_an_edit_is_a_new_version(client, manager, holding):
    StakeholderGroupFactory(name="Regulators")
    client.force_login(manager)
    response = client.post(
        reverse("communications:playbook-new"), {**FORM, "templates": [holding.pk]}
    )
    assert response.status_code == 302
    playbook = Playbook.objects.get(name="Data breach")
    version = playbook.versions.get()
    assert version.checklist == [
        {"title": "Call the data protection officer", "due_minutes": 15},
        {"title": "Prepare the regulator notice", "due_minutes": None},
    ]
    assert version.stakeholders.get().within_minutes == 60
    assert list(version.templates.all()) == [holding]
    # The edit form comes filled with the current version; saving it unchanged writes nothing.
    edit = reverse("communications:playbook-edit", args=[playbook.pk])
    page = html(client.get(edit))
    assert "15 | Call the data protection officer" in page
    assert "Regulators | email | 60" in page
    client.post(edit, {**FORM, "templates": [holding.pk]})
    assert playbook.versions.count() == 1
    # Dropping the template alone is a new version; version 1 keeps offering it.
    client.post(edit, {**FORM, "note": "No template"})
    assert playbook.versions.count() == 2
    assert list(version.templates.all()) == [holding]
    assert not playbook.versions.get(number=2).templates.exists()
    detail = html(client.get(reverse("communications:playbook", args=[playbook.pk])))
    assert "version 2" in detail
    assert "No template" in detail
    old = html(client.get(reverse("communications:playbook", args=[playbook.pk]) + "?version=1"))
    assert "Newer versions exist" in old


def test_a_checklist_line_names_the_role_that_owns_it_and_the_promise_it_keeps(client, manager):
    StakeholderGroupFactory(name="Regulators")
    client.force_login(manager)
    lines = (
        "15 | Publish the holding statement | Communications lead | first statement\n"
        "| Brief the call centre | customer_care_lead\n"
        "30 | Call the regulator"
    )
    response = client.post(reverse("communications:playbook-new"), {**FORM, "checklist": lines})
    assert response.status_code == 302
    playbook = Playbook.objects.get(name="Data breach")
    assert playbook.versions.get().checklist == [
        {
            "title": "Publish the holding statement",
            "due_minutes": 15,
            "role": Role.COMMUNICATIONS_LEAD,
            "meets": "first_statement",
        },
        {"title": "Brief the call centre", "due_minutes": None, "role": Role.CUSTOMER_CARE_LEAD},
        {"title": "Call the regulator", "due_minutes": 30},
    ]
    detail = html(client.get(reverse("communications:playbook", args=[playbook.pk])))
    assert "owned by the Communications lead" in detail
    assert "does the first public statement (its deadline, not a second one)" in detail
    # The edit form writes the lines back as they were read: saving unchanged adds nothing.
    edit = html(client.get(reverse("communications:playbook-edit", args=[playbook.pk])))
    assert (
        "15 | Publish the holding statement | Communications lead | the first public statement"
        in edit
    )
    assert " | Brief the call centre | Customer care lead" in edit
    form = {**FORM, "checklist": lines}
    client.post(reverse("communications:playbook-edit", args=[playbook.pk]), form)
    assert playbook.versions.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"checklist": "soon | Call"}, "Line 1: start with the minutes"),
        ({"stakeholders": "Nobody | email | 5"}, "Line 1: write a stakeholder group"),
        ({"stakeholders": "Regulators | pigeon | 5"}, "Line 1: write a stakeholder group"),
        ({"stakeholders": "Regulators | email | soon"}, "the minutes are a whole number"),
        ({"checklist": "99999 | Call"}, "from 0 to 20160"),
        ({"checklist": "15 | Call | Astronaut"}, "Line 1: “Astronaut” is not a role"),
        ({"checklist": "15 | Call | | world peace"}, "Line 1: an item can keep only"),
        ({"checklist": "15 | Call | Legal reviewer | first statement | x"}, "at most minutes"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_lines_are_refused_on_the_form_with_what_to_fix(client, manager, change, message):
    StakeholderGroupFactory(name="Regulators")
    client.force_login(manager)
    response = client.post(reverse("communications:playbook-new"), {**FORM, **change})
    assert response.status_code == 400
    assert message in html(response)
    assert not Playbook.objects.exists()


def test_an_unapproved_template_is_refused(manager):
    draft = TemplateFactory(name="Not yet approved")
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        playbook_write(
            actor=manager,
            name="X",
            category="other",
            scenario="Y",
            templates=[draft],
        )
    assert refused.value.field == "templates"
    assert "not approved" in refused.value.message


def test_a_responder_reads_playbooks_but_cannot_write_or_archive(client, responder, playbook):
    client.force_login(responder)
    listing = html(client.get(reverse("communications:playbooks")))
    assert "Product safety rumour" in listing
    assert 'data-testid="playbook-new"' not in listing
    page = html(client.get(reverse("communications:playbook", args=[playbook.pk])))
    assert "<strong>Do not</strong> confirm" in page
    assert "<script>alert(1)</script>" not in page  # Markdown is sanitised
    assert client.get(reverse("communications:playbook-new")).status_code == 403
    archive = reverse("communications:playbook-archive", args=[playbook.pk])
    assert client.post(archive).status_code == 403


def test_the_list_has_an_empty_state(client, manager):
    client.force_login(manager)
    assert "No playbook written yet." in html(client.get(reverse("communications:playbooks")))


def test_declaring_from_a_playbook_on_the_page_twice_declares_once(client, manager, playbook):
    client.force_login(manager)
    page = client.get(reverse("desk:declare") + f"?playbook={playbook.pk}")
    form = page.context["form"]
    assert form.initial["playbook"] == playbook
    assert form.initial["severity"] == 2
    assert form.initial["category"] == "product_quality"
    key = form.initial["declare_key"]
    data = {
        "title": "Post says our kettle burned a child",
        "severity": 2,
        "category": "product_quality",
        "source": "listening_alert",
        "playbook": playbook.pk,
        "declare_key": key,
    }
    first = client.post(reverse("desk:declare"), data)
    second = client.post(reverse("desk:declare"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    incident = Incident.objects.get()
    assert incident.checklist.filter(title="Confirm the facts with product safety").count() == 1
    war_room = html(client.get(incident.part_url(WarRoomPart.PLAYBOOK)))
    assert "Product safety rumour" in war_room
    assert "version 1" in war_room
    assert "Product safety holding statement" in war_room
    composer = html(
        client.get(reverse("communications:message-new") + f"?incident={incident.reference}")
    )
    assert 'data-testid="playbook-offers"' in composer
    assert "Product safety holding statement" in composer


def test_an_archived_or_unknown_playbook_is_not_offered_when_declaring(client, manager, playbook):
    playbook.archived_at = playbook.created_at
    playbook.save()
    client.force_login(manager)
    for value in (playbook.pk, "abc", "99999999", "-1"):
        page = client.get(reverse("desk:declare"), {"playbook": value})
        assert page.status_code == 200
        assert page.context["form"].initial.get("playbook") is None
    response = client.post(
        reverse("desk:declare"), {"title": "T", "severity": 2, "playbook": playbook.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in html(response)
    assert not Incident.objects.exists()


def test_the_war_room_applies_a_playbook_later_once(client, responder, manager, playbook):
    incident = flows.incident_declare(actor=manager, title="Rumour", severity=2)
    client.force_login(responder)
    page = html(client.get(incident.part_url(WarRoomPart.PLAYBOOK)))
    assert 'data-testid="playbook-apply"' in page
    url = reverse("communications:incident-playbook-apply", args=[incident.reference])
    first = client.post(url, {"playbook": playbook.pk}, follow=True)
    assert "items added" in html(first)
    second = client.post(url, {"playbook": playbook.pk}, follow=True)
    assert "nothing was missing" in html(second)
    assert PlaybookRun.objects.filter(incident=incident).count() == 1
    bad = client.post(url, {"playbook": "nope"}, follow=True)
    assert "Select a valid choice" in html(bad)


def test_a_reader_cannot_apply(client, reader, manager, playbook):
    incident = flows.incident_declare(actor=manager, title="Rumour", severity=2)
    client.force_login(reader)
    assert 'data-testid="playbook-apply"' not in html(client.get(incident.get_absolute_url()))
    url = reverse("communications:incident-playbook-apply", args=[incident.reference])
    assert client.post(url, {"playbook": playbook.pk}).status_code == 403
    assert not PlaybookRun.objects.exists()


# --- the API --------------------------------------------------------------------------------


def test_the_api_writes_versions_and_lists_them(api_as, manager, holding):
    group = StakeholderGroupFactory(name="Investors")
    api = api_as(manager)
    created = api.post(
        "/api/v1/playbooks/",
        {
            "name": "Offensive post by an employee",
            "category": "employee_misconduct",
            "scenario": "An employee posts something offensive.",
            "checklist": [{"title": "Talk to HR", "due_minutes": 60}],
            "roles": ["legal_reviewer"],
            "stakeholders": [{"group": group.pk, "channel": "email", "within_minutes": 240}],
            "templates": [holding.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["checklist"] == [
        {"title": "Talk to HR", "due_minutes": 60, "role": None, "meets": None}
    ]
    assert body["current_version"]["templates"] == [holding.pk]
    pk = body["id"]
    changed = api.patch(f"/api/v1/playbooks/{pk}/", {"severity_hint": 1}, format="json")
    assert changed.json()["current_version"]["number"] == 2
    assert changed.json()["current_version"]["checklist"] == [
        {"title": "Talk to HR", "due_minutes": 60, "role": None, "meets": None}
    ]
    versions = api.get(f"/api/v1/playbooks/{pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    archived = api.patch(f"/api/v1/playbooks/{pk}/", {"archived": True}, format="json")
    assert archived.json()["archived"] is True
    assert PlaybookVersion.objects.filter(playbook_id=pk).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"checklist": [{"title": "A", "due_minutes": "30"}]}, "checklist"),
        ({"checklist": "A"}, "checklist"),
        ({"roles": ["nobody"]}, "roles"),
        ({"category": "weather"}, "category"),
        (
            {"stakeholders": [{"group": 999999, "channel": "email", "within_minutes": 5}]},
            "stakeholders",
        ),
    ],
)
def test_the_api_refuses_bad_bodies_naming_the_field(api_as, manager, body, field):
    api = api_as(manager)
    response = api.post(
        "/api/v1/playbooks/",
        {"name": "N", "category": "other", "scenario": "S", **body},
        format="json",
    )
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Playbook.objects.exists()


def test_the_api_refuses_an_unapproved_template_and_a_responder(api_as, manager, responder):
    draft = TemplateFactory()
    response = api_as(manager).post(
        "/api/v1/playbooks/",
        {"name": "N", "category": "other", "scenario": "S", "templates": [draft.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "not approved" in str(response.json())
    refused = api_as(responder).post(
        "/api/v1/playbooks/", {"name": "N", "category": "other", "scenario": "S"}, format="json"
    )
    assert refused.status_code == 403


def test_the_api_declares_from_a_playbook_once_and_applies_later_once(api_as, manager, playbook):
    api = api_as(manager)
    body = {"title": "Rumour", "severity": 2, "playbook": playbook.pk}
    first = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1
    other = api.post("/api/v1/incidents/", {"title": "Other", "severity": 3}, format="json")
    pk = other.json()["id"]
    applied = api.post(
        f"/api/v1/incidents/{pk}/apply-playbook/", {"playbook": playbook.pk}, format="json"
    )
    assert applied.status_code == 200, applied.json()
    assert applied.json()["version"] == 1
    titles = [item["title"] for item in applied.json()["added"]]
    assert "Confirm the facts with product safety" in titles
    again = api.post(
        f"/api/v1/incidents/{pk}/apply-playbook/", {"playbook": playbook.pk}, format="json"
    )
    assert again.json()["added"] == []
    bad_key = api.post("/api/v1/incidents/", {**body, "declare_key": "no spaces"}, format="json")
    assert bad_key.status_code == 400
    assert "declare_key" in bad_key.json().get("fields", bad_key.json())


def test_the_playbook_list_costs_the_same_for_one_or_many(
    api_as, reader, manager, holding, django_assert_max_num_queries
):
    api = api_as(reader)
    for n in range(6):
        playbook_write(
            actor=manager,
            name=f"Playbook {n}",
            category="other",
            scenario="S",
            roles=[Role.objects.get(pk=Role.LEGAL_REVIEWER)],
            stakeholders=[
                {"group": StakeholderGroupFactory(), "channel": "email", "within_minutes": 5}
            ],
            templates=[holding],
        )
    with django_assert_max_num_queries(12):
        listed = api.get("/api/v1/playbooks/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 6


def test_someone_elses_declare_key_is_said_above_the_form(client, manager, manager2):
    flows.incident_declare(actor=manager, title="First", severity=3, declare_key="shared-key")
    client.force_login(manager2)
    response = client.post(
        reverse("desk:declare"),
        {
            "title": "Second",
            "severity": 3,
            "category": "other",
            "source": "other",
            "declare_key": "shared-key",
        },
    )
    assert response.status_code == 200
    assert "This declare key was used by someone else." in html(response)
    assert Incident.objects.count() == 1
