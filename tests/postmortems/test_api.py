"""The postmortem and action item endpoints: who may do what, the lifecycle's refusals, the
filters, and bounded queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Status
from postmortems import flows, services
from postmortems.models import ActionItem, Postmortem
from teams import flows as team_flows
from teams.models import Deadline

pytestmark = pytest.mark.django_db

POSTMORTEMS = "/api/v1/postmortems/"
ITEMS = "/api/v1/action-items/"


def resolved(manager, title="Recall rumour"):
    incident = team_flows.incident_declare(actor=manager, title=title, severity=2)
    flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    return flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)


@pytest.fixture
def postmortem(manager):
    return Postmortem.objects.get(incident=resolved(manager))


def url(postmortem, action=""):
    return f"{POSTMORTEMS}{postmortem.pk}/{action + '/' if action else ''}"


def in_review(postmortem, *, actor, reviewers):
    services.postmortem_update(actor=actor, postmortem=postmortem, summary="Six hours.")
    services.postmortem_submit_review(actor=actor, postmortem=postmortem, reviewers=reviewers)


def item_body(postmortem, owner, /, **changes):
    return {
        "postmortem": postmortem.pk,
        "title": "Pre-approve a holding statement",
        "owner": owner.pk,
        "due_date": str(timezone.localdate() + timedelta(days=7)),
        "kind": "prevent",
        **changes,
    }


# --- reading ---------------------------------------------------------------------------------


def test_everyone_logged_in_reads_a_postmortem_whole(api_as, reader, postmortem, manager):
    services.review_comment_add(actor=manager, postmortem=postmortem, text="Add the timeline.")
    response = api_as(reader).get(url(postmortem))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == postmortem.incident.reference
    assert body["status"] == "draft"
    assert body["owner"]["id"] == manager.pk
    assert body["summary"] == ""
    assert body["five_whys"] == []
    assert body["comments"][0]["text"] == "Add the timeline."
    assert body["revisions"] == []
    assert "time_to_acknowledge_seconds" in body["facts"]


def test_the_list_filters_by_status_incident_and_owner(api_as, reader, manager, responder):
    first = Postmortem.objects.get(incident=resolved(manager, "One"))
    second = Postmortem.objects.get(incident=resolved(manager, "Two"))
    in_review(second, actor=manager, reviewers=[responder])
    api = api_as(reader)

    def ids(**query):
        response = api.get(POSTMORTEMS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [second.pk, first.pk]
    assert ids(status="in_review") == [second.pk]
    assert ids(incident=first.incident_id) == [first.pk]
    assert ids(owner=manager.pk) == [second.pk, first.pk]
    assert ids(owner="me") == []


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "gone"),
        ("incident", "²"),
        ("incident", "9" * 60),
        ("owner", "someone"),
        ("owner", "-1"),
        ("incident", "a\x00b"),
    ],
)
def test_a_postmortem_filter_it_cannot_read_is_a_400_naming_it(api_as, reader, parameter, value):
    response = api_as(reader).get(POSTMORTEMS, {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


def test_listing_postmortems_takes_a_bounded_number_of_queries(
    api_as, reader, manager, django_assert_max_num_queries
):
    for number in range(3):
        resolved(manager, f"Rumour {number}")
    api = api_as(reader)
    with django_assert_max_num_queries(8):
        response = api.get(POSTMORTEMS)
    assert response.json()["count"] == 3


def test_reading_a_postmortem_takes_a_bounded_number_of_queries(
    api_as, reader, manager, manager2, responder, postmortem, django_assert_max_num_queries
):
    in_review(postmortem, actor=manager, reviewers=[responder, manager2])
    for text in ("One.", "Two.", "Three."):
        services.review_comment_add(actor=manager2, postmortem=postmortem, text=text)
    services.postmortem_publish(actor=manager, postmortem=postmortem)
    api = api_as(reader)
    with django_assert_max_num_queries(14):
        response = api.get(url(postmortem))
    assert len(response.json()["comments"]) == 3
    assert len(response.json()["reviewers"]) == 2


# --- starting --------------------------------------------------------------------------------


def test_posting_an_incident_starts_its_postmortem_once(api_as, responder, manager):
    incident = team_flows.incident_declare(actor=manager, title="Leak", severity=3)
    api = api_as(responder)
    first = api.post(POSTMORTEMS, {"incident": incident.pk}, format="json")
    assert first.status_code == 201
    again = api.post(POSTMORTEMS, {"incident": incident.pk}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Postmortem.objects.filter(incident=incident).count() == 1


def test_a_reader_may_not_start_a_postmortem(api_as, reader, manager):
    incident = team_flows.incident_declare(actor=manager, title="Leak", severity=3)
    response = api_as(reader).post(POSTMORTEMS, {"incident": incident.pk}, format="json")
    assert response.status_code == 403
    assert not Postmortem.objects.exists()


@pytest.mark.parametrize("incident", [0, "1", 10**30, None])
def test_starting_needs_an_existing_incident_by_its_id(api_as, responder, incident):
    response = api_as(responder).post(POSTMORTEMS, {"incident": incident}, format="json")
    assert response.status_code == 400
    assert "incident" in response.json()


# --- writing and the lifecycle ---------------------------------------------------------------


def test_a_responder_writes_the_sections_only_the_fields_sent(api_as, responder, postmortem):
    api = api_as(responder)
    response = api.patch(
        url(postmortem),
        {
            "summary": "A false recall rumour.",
            "root_cause_category": "rumour",
            "five_whys": ["Nobody checked.", " ", "No owner."],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["five_whys"] == ["Nobody checked.", "No owner."]
    api.patch(url(postmortem), {"impact": "Six hours."}, format="json")
    postmortem.refresh_from_db()
    assert postmortem.summary == "A false recall rumour."
    assert postmortem.impact == "Six hours."
    assert postmortem.root_cause_category == "rumour"


def test_a_reader_may_not_write_a_postmortem(api_as, reader, postmortem):
    response = api_as(reader).patch(url(postmortem), {"summary": "Mine."}, format="json")
    assert response.status_code == 403
    postmortem.refresh_from_db()
    assert postmortem.summary == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"root_cause_category": "aliens"}, "root_cause_category"),
        ({"five_whys": "Because."}, "five_whys"),
        ({"five_whys": [f"Why {n}" for n in range(8)]}, "five_whys"),
        ({"five_whys": [1]}, "five_whys"),
        ({"summary": "x" * 20_001}, "summary"),
        ({"summary": 5}, "summary"),
        ({"lessons": "a\x00b"}, "lessons"),
    ],
)
def test_a_bad_section_is_a_400_naming_it_and_nothing_changes(
    api_as, responder, postmortem, body, field
):
    response = api_as(responder).patch(
        url(postmortem), {"impact": "Kept out.", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    postmortem.refresh_from_db()
    assert postmortem.impact == ""


def test_review_then_publish_by_a_manager_then_a_correction(
    api_as, responder, manager, manager2, postmortem
):
    api = api_as(responder)
    api.patch(url(postmortem), {"summary": "Six hours."}, format="json")
    # Not reviewed yet: a draft is not published.
    assert api_as(manager).post(url(postmortem, "publish")).status_code == 409
    api = api_as(responder)
    submitted = api.post(
        url(postmortem, "submit-review"), {"reviewers": [manager2.pk]}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "in_review"
    assert [person["id"] for person in submitted.json()["reviewers"]] == [manager2.pk]
    comment = api_as(manager2).post(
        url(postmortem, "comments"), {"text": "Name the owner.", "section": "summary"}
    )
    assert comment.status_code == 201
    assert comment.json()["section"] == "summary"
    # A responder writes, but does not publish.
    assert api_as(responder).post(url(postmortem, "publish")).status_code == 403
    published = api_as(manager).post(url(postmortem, "publish"))
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["revisions"][0]["number"] == 1
    # Published: read-only.
    edit = api_as(responder).patch(url(postmortem), {"summary": "Changed."}, format="json")
    assert edit.status_code == 409
    assert api_as(responder).post(url(postmortem, "correct"), {"reason": "x"}).status_code == 403
    corrected = api_as(manager).post(url(postmortem, "correct"), {"reason": "Wrong reach."})
    assert corrected.status_code == 200
    assert corrected.json()["status"] == "draft"
    assert corrected.json()["revision"] == 2
    assert corrected.json()["revisions"][0]["correction"] == "Wrong reach."


def test_a_draft_is_corrected_never(api_as, manager, postmortem):
    response = api_as(manager).post(url(postmortem, "correct"), {"reason": "Why not."})
    assert response.status_code == 409


def test_publishing_needs_the_summary(api_as, manager, responder, postmortem):
    services.postmortem_submit_review(actor=manager, postmortem=postmortem, reviewers=[responder])
    response = api_as(manager).post(url(postmortem, "publish"))
    assert response.status_code == 400
    assert "summary" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reviewers": []}, "reviewers"),
        ({"reviewers": [10**30]}, "reviewers"),
        ({"reviewers": ["1"]}, "reviewers"),
        ({"reviewers": 1}, "reviewers"),
        ({}, "reviewers"),
    ],
)
def test_submitting_needs_reviewers_by_their_ids(api_as, responder, postmortem, body, field):
    response = api_as(responder).post(url(postmortem, "submit-review"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_a_reviewer_who_left_is_refused(api_as, responder, manager2, postmortem):
    type(manager2).objects.filter(pk=manager2.pk).update(is_active=False)
    response = api_as(responder).post(
        url(postmortem, "submit-review"), {"reviewers": [manager2.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "reviewers" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": " "}, "text"), ({"text": "Fine.", "section": "epilogue"}, "section"), ({}, "text")],
)
def test_a_comment_needs_text_and_a_known_section(api_as, responder, postmortem, body, field):
    response = api_as(responder).post(url(postmortem, "comments"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_reader_may_not_comment_submit_publish_or_correct(api_as, reader, postmortem):
    api = api_as(reader)
    assert api.post(url(postmortem, "comments"), {"text": "Hi."}).status_code == 403
    assert api.post(url(postmortem, "submit-review"), {"reviewers": [1]}).status_code == 403
    assert api.post(url(postmortem, "publish")).status_code == 403
    assert api.post(url(postmortem, "correct"), {"reason": "x"}).status_code == 403


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "content_type"),
    [("md", "text/markdown"), ("json", "application/json"), ("", "application/pdf")],
)
def test_the_export_answers_the_file_asked_for(api_as, reader, postmortem, chosen, content_type):
    response = api_as(reader).get(url(postmortem, "export"), {"format": chosen})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert postmortem.incident.reference in response["Content-Disposition"]


def test_an_unknown_export_format_is_a_400_naming_it(api_as, reader, postmortem):
    response = api_as(reader).get(url(postmortem, "export"), {"format": "docx"})
    assert response.status_code == 400
    assert "format" in response.json()


# --- action items ----------------------------------------------------------------------------


def test_a_responder_adds_an_action_item_that_becomes_a_deadline(
    api_as, responder, manager, postmortem
):
    response = api_as(responder).post(
        ITEMS, item_body(postmortem, manager, priority="high"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"] == postmortem.incident.reference
    assert body["postmortem"]["id"] == postmortem.pk
    assert body["owner"]["id"] == manager.pk
    assert body["priority"] == "high"
    assert body["status"] == "open"
    assert body["overdue"] is False
    assert Deadline.objects.filter(
        kind=Deadline.Kind.ACTION_ITEM, subject=f"action-item:{body['id']}", owner=manager
    ).exists()


def test_a_reader_may_not_add_or_change_action_items(api_as, reader, manager, postmortem):
    api = api_as(reader)
    assert api.post(ITEMS, item_body(postmortem, manager), format="json").status_code == 403
    item = services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Train",
        owner=manager,
        due_date=timezone.localdate(),
        kind="training",
    )
    response = api_as(reader).patch(f"{ITEMS}{item.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"owner": 10**30}, "owner"),
        ({"owner": "1"}, "owner"),
        ({"due_date": "2026-02-30"}, "due_date"),
        ({"due_date": "1999-12-31"}, "due_date"),
        ({"due_date": 20300101}, "due_date"),
        ({"kind": "pray"}, "kind"),
        ({"priority": "urgent"}, "priority"),
        ({"follow_up_url": "ftp://files.example.org/x"}, "follow_up_url"),
        ({"follow_up_url": "http://[broken"}, "follow_up_url"),
        ({"follow_up_url": "https://x.example/" + "a" * 500}, "follow_up_url"),
        ({"postmortem": 10**30}, "postmortem"),
    ],
)
def test_a_bad_action_item_is_a_400_naming_the_field(
    api_as, responder, manager, postmortem, changes, field
):
    response = api_as(responder).post(ITEMS, item_body(postmortem, manager, **changes))
    assert response.status_code == 400
    assert field in response.json()
    assert not ActionItem.objects.exists()


def test_an_action_item_changes_only_the_fields_sent_and_closes(
    api_as, responder, manager, postmortem
):
    item = services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Train",
        owner=manager,
        due_date=timezone.localdate(),
        kind="training",
    )
    api = api_as(responder)
    response = api.patch(f"{ITEMS}{item.pk}/", {"owner": responder.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["owner"]["id"] == responder.pk
    assert response.json()["title"] == "Train"
    done = api.patch(f"{ITEMS}{item.pk}/", {"status": "done"}, format="json")
    assert done.json()["status"] == "done"
    assert done.json()["closed_at"] is not None
    bad = api.patch(f"{ITEMS}{item.pk}/", {"status": "forgotten"}, format="json")
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_the_action_items_filter_by_owner_overdue_status_and_postmortem(
    api_as, reader, responder, manager, postmortem
):
    other = Postmortem.objects.get(incident=resolved(manager, "Other"))
    today = timezone.localdate()

    def add(owner, due, on=postmortem, title="Item"):
        return services.action_item_add(
            actor=manager, postmortem=on, title=title, owner=owner, due_date=due, kind="detect"
        )

    late = add(responder, today - timedelta(days=2))
    soon = add(manager, today + timedelta(days=2))
    closed_late = add(responder, today - timedelta(days=3), on=other)
    services.action_item_update(actor=manager, item=closed_late, status="done")
    api = api_as(responder)

    def ids(**query):
        response = api.get(ITEMS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [closed_late.pk, late.pk, soon.pk]
    assert ids(owner="me") == [closed_late.pk, late.pk]
    assert ids(owner=manager.pk) == [soon.pk]
    assert ids(overdue="true") == [late.pk]
    assert ids(overdue="false") == [closed_late.pk, soon.pk]
    assert ids(status="done") == [closed_late.pk]
    assert ids(status=["open", "in_progress"]) == [late.pk, soon.pk]
    assert ids(postmortem=other.pk) == [closed_late.pk]
    assert api_as(reader).get(f"{ITEMS}{late.pk}/").json()["overdue"] is True


def test_the_action_items_list_leaves_out_a_drills_as_the_page_does(
    api_as, responder, manager, postmortem
):
    drill = team_flows.incident_declare(actor=manager, title="Drill", severity=3, is_drill=True)
    rehearsed = Postmortem.objects.create(incident=drill)
    late = timezone.localdate() - timedelta(days=2)
    real = services.action_item_add(
        actor=manager,
        postmortem=postmortem,
        title="Real",
        owner=responder,
        due_date=late,
        kind="detect",
    )
    played = ActionItem.objects.create(
        postmortem=rehearsed, title="Played", owner=responder, due_date=late, created_by=manager
    )
    api = api_as(responder)
    for query in ({}, {"overdue": "true"}, {"owner": "me"}):
        assert [row["id"] for row in api.get(ITEMS, query).json()["results"]] == [real.pk]
    # Still reached by its id, from its own postmortem.
    assert api.get(f"{ITEMS}{played.pk}/").json()["title"] == "Played"


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("overdue", "yes"),
        ("overdue", "1"),
        ("owner", "you"),
        ("owner", "0"),
        ("status", "lost"),
        ("postmortem", "²"),
        ("postmortem", "9" * 60),
        ("owner", "a\x00b"),
    ],
)
def test_an_action_item_filter_it_cannot_read_is_a_400_naming_it(api_as, reader, parameter, value):
    response = api_as(reader).get(ITEMS, {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


def test_listing_action_items_takes_a_bounded_number_of_queries(
    api_as, reader, manager, responder, django_assert_max_num_queries
):
    for number in range(3):
        postmortem = Postmortem.objects.get(incident=resolved(manager, f"Rumour {number}"))
        for owner in (manager, responder):
            services.action_item_add(
                actor=manager,
                postmortem=postmortem,
                title=f"Item {number}",
                owner=owner,
                due_date=timezone.localdate(),
                kind="process",
            )
    api = api_as(reader)
    with django_assert_max_num_queries(7):
        response = api.get(ITEMS)
    assert response.json()["count"] == 6
