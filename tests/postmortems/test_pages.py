"""The postmortem pages: the report (facts, timeline and key events, sections, review,
publishing, action items), the war room's panel, the open action items and the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from incidents.models import Incident, Status, TimelineEvent, WarRoomPart
from postmortems import flows, services
from postmortems.durations import duration_words
from postmortems.models import ActionItem, KeyEvent, Postmortem
from teams import flows as team_flows
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

P = Postmortem.Status


def html(response) -> str:
    return response.content.decode()


def resolved(actor, *, severity: int = 2, title: str = "Recall rumour") -> Incident:
    incident = team_flows.incident_declare(actor=actor, title=title, severity=severity)
    flows.incident_transition(actor=actor, incident=incident, to=Status.RESPONDING)
    return flows.incident_transition(actor=actor, incident=incident, to=Status.RESOLVED)


def postmortem_of(incident: Incident) -> Postmortem:
    return Postmortem.objects.get(incident=incident)


def page_url(incident: Incident, name: str = "detail") -> str:
    return reverse(f"postmortems:{name}", kwargs={"reference": incident.reference})


def in_review(manager, responder, incident: Incident) -> Postmortem:
    postmortem = postmortem_of(incident)
    services.postmortem_update(actor=responder, postmortem=postmortem, summary="It spread.")
    return services.postmortem_submit_review(
        actor=responder, postmortem=postmortem, reviewers=[manager]
    )


def item(postmortem: Postmortem, actor, *, days: int = 7, title: str = "Train the desk"):
    return services.action_item_add(
        actor=actor,
        postmortem=postmortem,
        title=title,
        owner=actor,
        due_date=timezone.localdate() + timedelta(days=days),
        kind=ActionItem.Kind.TRAINING,
    )


# --- the postmortem page ------------------------------------------------------------------


def test_the_draft_shows_header_facts_current_as_of_now_and_every_section(
    client, manager, responder
):
    incident = resolved(manager)
    services.postmortem_update(
        actor=responder,
        postmortem=postmortem_of(incident),
        summary="A **false** recall rumour.",
        root_cause_category="misunderstanding",
        five_whys=["A fake screenshot", "Nobody checked"],
    )
    client.force_login(responder)
    page = html(client.get(page_url(incident)))
    assert incident.reference in page
    assert "Recall rumour" in page
    assert "Draft" in page
    assert "revision 1" in page
    assert "Current as of" in page
    assert 'data-testid="review-due"' in page
    assert "<strong>false</strong>" in page  # Markdown rendered
    assert "A fake screenshot" in page
    for testid in ("fact-acknowledge", "fact-cadence", "fact-mentions", "fact-messages"):
        assert f'data-testid="{testid}"' in page
    assert 'data-testid="image-recovery"' in page
    assert 'data-testid="sections-form"' in page


def test_markdown_cannot_inject_script(client, manager, responder):
    incident = resolved(manager)
    services.postmortem_update(
        actor=responder,
        postmortem=postmortem_of(incident),
        summary="<script>alert(1)</script> [x](javascript:alert(1))",
    )
    client.force_login(responder)
    page = html(client.get(page_url(incident)))
    assert "<script>alert" not in page
    assert 'href="javascript' not in page


def test_a_reader_reads_but_sees_no_form(client, manager, reader):
    incident = resolved(manager)
    item(postmortem_of(incident), manager)
    client.force_login(reader)
    page = html(client.get(page_url(incident)))
    assert "Train the desk" in page
    for form in ("sections-form", "submit-review", "add-comment", "add-action-item", "publish"):
        assert f'data-testid="{form}"' not in page
    assert 'name="event"' not in page
    response = client.post(page_url(incident, "sections"), {"summary": "Mine."})
    assert response.status_code == 403
    assert postmortem_of(incident).summary == ""
    assert client.post(page_url(incident, "move"), {"to": "in_review"}).status_code == 403
    assert client.post(page_url(incident, "comment-add"), {"text": "Hi"}).status_code == 403
    event = incident.events.first()
    key = client.post(page_url(incident, "key-event"), {"event": event.pk, "key": "on"})
    assert key.status_code == 403


def test_no_postmortem_is_a_404(client, manager):
    incident = team_flows.incident_declare(actor=manager, title="Still open", severity=3)
    client.force_login(manager)
    assert client.get(page_url(incident)).status_code == 404


def test_sections_save_and_a_refusal_lands_on_its_field(client, manager, responder):
    incident = resolved(manager)
    client.force_login(responder)
    response = client.post(
        page_url(incident, "sections"),
        {
            "summary": "It spread.",
            "root_cause_category": "misunderstanding",
            "five_whys": ["One", "", "Two"],
        },
    )
    assert response.status_code == 302
    postmortem = postmortem_of(incident)
    assert postmortem.summary == "It spread."
    assert postmortem.five_whys == ["One", "Two"]
    # The service refuses a NUL: the error shows on the section.
    response = client.post(page_url(incident, "sections"), {"impact": "a\x00b", "summary": "x"})
    assert response.status_code == 400  # the request's own check: a NUL is never stored
    long = client.post(page_url(incident, "sections"), {"impact": "x" * 20_001, "summary": "x"})
    assert 'id="id_impact"' in html(long)
    assert "is-invalid" in html(long)
    too_many = client.post(
        page_url(incident, "sections"), {"five_whys": [f"w{n}" for n in range(9)]}
    )
    assert "At most 7 whys." in html(too_many)
    assert 'id="why-1"' in html(too_many)
    assert postmortem_of(incident).five_whys == ["One", "Two"]


def test_the_key_event_toggle_marks_and_unmarks_over_htmx(client, manager, responder):
    incident = resolved(manager)
    postmortem = postmortem_of(incident)
    event = incident.events.order_by("at").first()
    client.force_login(responder)
    url = page_url(incident, "key-event")
    response = client.post(url, {"event": event.pk, "key": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="key-events"' in html(response)
    assert KeyEvent.objects.filter(postmortem=postmortem, event=event).exists()
    client.post(url, {"event": event.pk}, HTTP_HX_REQUEST="true")
    assert not KeyEvent.objects.filter(postmortem=postmortem).exists()
    # An event of another incident is not found here.
    other = resolved(manager, title="Other")
    foreign = other.events.first()
    assert client.post(url, {"event": foreign.pk, "key": "on"}).status_code == 404
    assert client.post(url, {"event": "²", "key": "on"}).status_code == 302


def test_review_publish_and_correct(client, manager, manager2, responder):
    incident = resolved(manager)
    client.force_login(responder)
    move = page_url(incident, "move")
    empty = client.post(move, {"to": "in_review"})
    assert "Name at least one reviewer." in html(empty)
    assert client.post(move, {"to": "in_review", "reviewers": [manager2.pk]}).status_code == 302
    # Responders do not publish: the button is not there, and the service refuses.
    page = html(client.get(page_url(incident)))
    assert 'data-testid="publish"' not in page
    refused = client.post(move, {"to": "published"})
    assert refused.status_code == 403
    assert postmortem_of(incident).status == P.IN_REVIEW
    client.post(page_url(incident, "comment-add"), {"text": "Add the timeline.", "section": ""})
    client.force_login(manager)
    page = html(client.get(page_url(incident)))
    assert "Add the timeline." in page
    assert 'data-testid="publish"' in page
    # Nothing written yet: the summary is needed.
    assert "Write the summary before publishing." in html(client.post(move, {"to": "published"}))
    services.postmortem_update(actor=manager, postmortem=postmortem_of(incident), summary="Done.")
    assert client.post(move, {"to": "published"}).status_code == 302
    published = html(client.get(page_url(incident)))
    assert "As published on" in published
    assert 'data-testid="sections-form"' not in published
    assert 'name="event"' not in published
    assert 'data-testid="begin-correction"' in published
    assert "Say what the correction is for." in html(
        client.post(move, {"to": "draft", "reason": ""})
    )
    assert client.post(move, {"to": "draft", "reason": "Wrong times."}).status_code == 302
    corrected = html(client.get(page_url(incident)))
    assert "revision 2" in corrected
    assert "Wrong times." in corrected
    assert 'data-testid="revisions"' in corrected


def test_a_published_postmortem_refuses_edits(client, manager, responder):
    incident = resolved(manager)
    postmortem = in_review(manager, responder, incident)
    services.postmortem_publish(actor=manager, postmortem=postmortem)
    client.force_login(responder)
    response = client.post(page_url(incident, "sections"), {"summary": "Rewritten."})
    assert "read-only" in html(response)
    assert postmortem_of(incident).summary == "It spread."


def test_a_comment_needs_text(client, manager, responder):
    incident = resolved(manager)
    client.force_login(responder)
    response = client.post(page_url(incident, "comment-add"), {"text": "", "section": ""})
    assert "is-invalid" in html(response)


def test_action_items_are_added_and_moved_with_errors_on_their_field(client, manager, responder):
    incident = resolved(manager)
    client.force_login(responder)
    add = page_url(incident, "action-item-add")
    data = {
        "title": "Pre-approve a recall holding statement",
        "owner": responder.pk,
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "kind": "prevent",
        "priority": "high",
        "follow_up_url": "",
    }
    bad = client.post(add, {**data, "follow_up_url": "ftp://x"}, HTTP_HX_REQUEST="true")
    assert "Give an http(s) link." in html(bad)
    assert "is-invalid" in html(bad)
    assert not ActionItem.objects.exists()
    added = client.post(add, data, HTTP_HX_REQUEST="true")
    assert "Pre-approve a recall holding statement" in html(added)
    created = ActionItem.objects.get()
    status = page_url(incident, "action-item-status")
    client.post(status, {"item": created.pk, "status": "done"}, HTTP_HX_REQUEST="true")
    created.refresh_from_db()
    assert created.status == ActionItem.Status.DONE
    assert created.closed_at is not None


def test_a_reader_cannot_add_action_items(client, manager, reader):
    incident = resolved(manager)
    client.force_login(reader)
    response = client.post(
        page_url(incident, "action-item-add"),
        {
            "title": "x",
            "owner": reader.pk,
            "due_date": "2030-01-01",
            "kind": "prevent",
            "priority": "low",
        },
    )
    assert response.status_code == 403
    assert not ActionItem.objects.exists()


def test_the_page_reads_in_bounded_queries(
    client, manager, responder, django_assert_max_num_queries
):
    incident = resolved(manager)
    postmortem = postmortem_of(incident)
    for n in range(5):
        item(postmortem, manager, title=f"Item {n}")
    for event in incident.events.all():
        services.key_event_set(actor=manager, postmortem=postmortem, event=event, key=True)
    client.force_login(responder)
    client.get(page_url(incident))  # warm the caches (permissions, sessions)
    with django_assert_max_num_queries(40) as captured:
        client.get(page_url(incident))
    before = len(captured)
    for n in range(5, 15):
        item(postmortem, manager, title=f"Item {n}")
    with django_assert_max_num_queries(before):
        client.get(page_url(incident))


# --- the war room ----------------------------------------------------------------------------


def test_the_war_room_offers_to_start_a_postmortem_to_those_who_may(client, manager, reader):
    incident = team_flows.incident_declare(actor=manager, title="Open", severity=3)
    war_room = incident.part_url(WarRoomPart.POSTMORTEM)
    client.force_login(reader)
    assert 'data-testid="start-postmortem"' not in html(client.get(war_room))
    client.force_login(manager)
    assert 'data-testid="start-postmortem"' in html(client.get(war_room))
    response = client.post(page_url(incident, "start"))
    assert response.status_code == 302
    assert response["Location"] == page_url(incident)
    page = html(client.get(war_room))
    assert 'data-testid="postmortem-panel"' in page
    assert "Open the postmortem" in page


def test_closing_a_severe_incident_needs_no_waiver_once_its_postmortem_is_published(
    client, manager, responder
):
    incident = resolved(manager, severity=1)
    client.force_login(manager)
    assert "Close with waiver" in html(client.get(incident.get_absolute_url()))
    postmortem = in_review(manager, responder, incident)
    services.postmortem_publish(actor=manager, postmortem=postmortem)
    page = html(client.get(incident.get_absolute_url()))
    assert "Close with waiver" not in page
    assert 'data-testid="move-closed"' in page


# --- open action items, the dashboard, the list ----------------------------------------------


def test_open_action_items_filter_by_owner_and_overdue(client, manager, responder):
    postmortem = postmortem_of(resolved(manager))
    item(postmortem, manager, title="Manager's, later", days=10)
    late = item(postmortem, responder, title="Responder's, late", days=3)
    ActionItem.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    done = item(postmortem, responder, title="Done already")
    services.action_item_update(actor=responder, item=done, status="done")
    url = reverse("postmortems:action-items")
    client.force_login(responder)
    everything = html(client.get(url))
    assert "Manager&#x27;s, later" in everything
    assert "Responder&#x27;s, late" in everything
    assert "Done already" not in everything
    mine = html(client.get(url, {"owner": "me"}))
    assert "Responder&#x27;s, late" in mine
    assert "Manager&#x27;s, later" not in mine
    theirs = html(client.get(url, {"owner": manager.pk}))
    assert "Manager&#x27;s, later" in theirs
    assert "Responder&#x27;s, late" not in theirs
    overdue = html(client.get(url, {"overdue": "1"}))
    assert "Responder&#x27;s, late" in overdue
    assert "Manager&#x27;s, later" not in overdue
    nobody = html(client.get(url, {"owner": "999999"}))
    assert "No open action item matches." in nobody
    dashboard = html(client.get(reverse("dashboard")))
    assert "2 open action items" in dashboard
    assert 'data-testid="action-items-overdue"' in dashboard


def test_open_action_items_empty_and_paginated(
    client, manager, reader, django_assert_max_num_queries
):
    url = reverse("postmortems:action-items")
    client.force_login(reader)
    assert "No open action items." in html(client.get(url))
    postmortem = postmortem_of(resolved(manager))
    for n in range(30):
        item(postmortem, manager, title=f"Item {n:02d}", days=n + 1)
    client.get(url)
    with django_assert_max_num_queries(12):
        first = html(client.get(url))
    assert "Item 00" in first
    assert "Item 29" not in first
    assert "Page 1 of 2" in first
    assert "Item 29" in html(client.get(url, {"page": "2"}))


def test_the_list_filters_by_status_and_pages(client, manager, responder, reader):
    for n in range(27):
        resolved(manager, title=f"Incident {n:02d}")
    postmortem = in_review(manager, responder, resolved(manager, title="Reviewed one"))
    url = reverse("postmortems:list")
    client.force_login(reader)
    first = html(client.get(url))
    assert "Page 1 of 2" in first
    filtered = html(client.get(url, {"status": "in_review"}))
    assert "Reviewed one" in filtered
    assert "Incident 00" not in filtered
    assert postmortem.incident.reference in filtered
    assert "No postmortem has this status." in html(client.get(url, {"status": "published"}))
    assert client.get(url, {"status": "x\x01"}).status_code in (200, 400)


def test_the_nav_links_the_postmortems(client, reader):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    assert reverse("postmortems:list") in page
    assert reverse("postmortems:action-items") in page
    assert "0 open action items" in page


def test_an_inactive_owner_is_refused_on_the_owner_field(client, manager, responder):
    incident = resolved(manager)
    gone = UserFactory(is_active=False)
    client.force_login(responder)
    response = client.post(
        page_url(incident, "action-item-add"),
        {
            "title": "x",
            "owner": gone.pk,
            "due_date": "2030-01-01",
            "kind": "prevent",
            "priority": "low",
        },
    )
    assert "is-invalid" in html(response)
    assert not TimelineEvent.objects.filter(text__contains="action item").exists()


def test_the_page_shows_every_fact_it_reads(client, reader, postmortem, strict_templates):
    """A template prints nothing for a key it cannot find, so a renamed fact would leave a
    blank: read with a marker for a missing key, the page shows the facts' own figures."""
    facts = services.postmortem_facts(postmortem)
    cadence, mentions = facts["update_cadence"], facts["mentions"]
    messages, escalations = facts["messages"], facts["escalations"]
    recovery = facts["image_recovery"]
    assert mentions["count"] == 8
    assert facts["roles"]
    client.force_login(reader)
    page = html(client.get(page_url(postmortem.incident)))
    assert strict_templates not in page
    acknowledged = duration_words(facts["time_to_acknowledge_seconds"])
    assert f'data-testid="fact-acknowledge">{acknowledged}</td>' in page
    assert f"{cadence['kept']} of {cadence['due']} updates on time" in page
    assert f"{mentions['count']} seen, {mentions['answered']} answered (0 %)" in page
    assert (
        "{drafted} drafted, {approved} approved, {rejected} rejected, {published} published, "
        "{failed} failed".format(**messages)
    ) in page
    assert f"{escalations['fired']} fired, {escalations['reminders']} reminders" in page
    for held in facts["roles"]:
        assert escape(f"{held['role']}: {held['person']}") in page
    total = sum(row["count"] for row in facts["mention_volume"])
    assert f"{total} mentions, the most" in page
    assert f"Baseline {recovery['baseline']:g} a day" in page
    before = [day["count"] for day in recovery["days"] if day["phase"] == "before"]
    assert f'<th scope="row">Before</th><td>{len(before)}</td><td>{sum(before)}</td>' in page
