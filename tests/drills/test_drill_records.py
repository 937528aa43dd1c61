"""Drill records: recorded and edited by managers, their list and empty state, bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import NotPermitted
from drills.models import Drill
from drills.services import drill_save
from tests.teams.factories import DrillFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_drills_list_pages_and_has_an_empty_state(client, reader):
    client.force_login(reader)
    assert "No drill recorded yet" in html(client.get(reverse("drills:list")))
    now = timezone.now()
    for n in range(23):
        DrillFactory(title=f"Exercise {n:02}", held_at=now - timedelta(days=n))
    first = client.get(reverse("drills:list"))
    titles = [d.title for d in first.context["page"].object_list]
    assert len(titles) == 20
    assert titles[0] == "Exercise 00"  # newest first
    second = client.get(reverse("drills:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 3
    assert client.get(reverse("drills:list"), {"page": "x"}).status_code == 200


def test_manager_records_and_edits_a_drill(client, manager, responder, responder2):
    client.force_login(manager)
    response = client.post(
        reverse("drills:new"),
        {
            "title": "Product recall tabletop",
            "scenario": "A recall leaks before the press release.",
            "held_at": "2030-05-04T14:00",
            "participants": [responder.pk, responder2.pk],
            "findings": "Legal review took 40 minutes.",
            "follow_ups": "Pre-approve a recall holding statement.",
        },
    )
    drill = Drill.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("drills:detail", kwargs={"pk": drill.pk})
    assert set(drill.participants.all()) == {responder, responder2}
    assert drill.created_by == manager
    page = html(client.get(response["Location"]))
    assert "Legal review took 40 minutes." in page
    assert str(responder2) in page

    # A participant who has left since stays on the drill when it is edited.
    responder2.is_active = False
    responder2.save()
    form = client.get(reverse("drills:edit", kwargs={"pk": drill.pk})).context["form"]
    assert responder2 in form.fields["participants"].queryset
    response = client.post(
        reverse("drills:edit", kwargs={"pk": drill.pk}),
        {
            "title": "Product recall tabletop (rerun)",
            "scenario": "Same, with the CEO away.",
            "held_at": "2030-05-04T14:00",
            "participants": [responder.pk, responder2.pk],
        },
    )
    assert response.status_code == 302
    drill.refresh_from_db()
    assert drill.title == "Product recall tabletop (rerun)"
    assert set(drill.participants.all()) == {responder, responder2}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"scenario": ""}, "scenario", "required"),
        ({"held_at": "soon"}, "held_at", "valid date"),
        ({"participants": ["999999"]}, "participants", "Select a valid choice"),
        ({"participants": ["abc"]}, "participants", "is not a valid value"),
    ],
)
def test_drill_bad_input_is_a_form_error(client, manager, data, field, message):
    client.force_login(manager)
    payload = {"title": "Drill", "scenario": "Played", "held_at": "2030-05-04T14:00", **data}
    response = client.post(reverse("drills:new"), payload)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Drill.objects.exists()


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_drill_edits_are_forbidden_without_the_permission(client, request, role):
    drill = DrillFactory(title="Original")
    client.force_login(request.getfixturevalue(role))
    data = {"title": "Changed", "scenario": "x", "held_at": "2030-05-04T14:00"}
    assert client.post(reverse("drills:new"), data).status_code == 403
    edit = reverse("drills:edit", kwargs={"pk": drill.pk})
    assert client.post(edit, data).status_code == 403
    drill.refresh_from_db()
    assert drill.title == "Original"
    assert Drill.objects.count() == 1


def test_drills_are_recorded_by_managers(manager, responder):
    drill = drill_save(
        actor=manager,
        title="Data breach tabletop",
        scenario="Customer data posted on a forum",
        held_at=timezone.now() - timedelta(days=3),
        participants=[manager, responder],
        findings="Legal was reached late",
        follow_ups="Add legal on-call",
    )
    assert set(drill.participants.all()) == {manager, responder}
    with pytest.raises(NotPermitted):
        drill_save(actor=responder, title="x", scenario="y", held_at=timezone.now())


def test_the_drills_old_addresses_lead_to_their_new_ones(client, reader):
    client.force_login(reader)
    for old, new in [
        ("/team/drills/", "/drills/"),
        ("/team/drills/7/", "/drills/7/"),
        ("/communications/drills/7/", "/drills/runs/7/"),
        ("/postmortems/drills/7/report/", "/drills/runs/7/report/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new)
