"""The team pages: people, my profile, roster, on-call, drills, notifications, the header."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import (
    CHOOSABLE_REASONS,
    Department,
    Notification,
    NotificationPreference,
    OnCallShift,
    Reason,
    Role,
    RosterMember,
)
from tests.teams.factories import (
    DrillFactory,
    NotificationFactory,
    ShiftFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["reader", "responder", "manager", "admin_user"]
EDITORS = {"manager", "admin_user"}


def html(response) -> str:
    return response.content.decode()


def on_roster(role: str, person, kind: str = RosterMember.Kind.PRIMARY) -> RosterMember:
    return RosterMember.objects.create(role_id=role, person=person, kind=kind)


# --- every page, every kind of user -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_logged_in_reads_every_team_page(client, request, role):
    viewer = request.getfixturevalue(role)
    client.force_login(viewer)
    drill = DrillFactory(participants=[viewer])
    NotificationFactory(recipient=viewer, title="You are the scribe")
    pages = [
        reverse("teams:people"),
        reverse("teams:person", kwargs={"pk": viewer.pk}),
        reverse("teams:profile"),
        reverse("teams:roster"),
        reverse("teams:oncall"),
        reverse("drills:list"),
        reverse("drills:detail", kwargs={"pk": drill.pk}),
        reverse("teams:notifications"),
    ]
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert "You are the scribe" in html(client.get(reverse("teams:notifications")))


@pytest.mark.parametrize("role", ROLES)
def test_edit_controls_only_for_those_allowed(client, request, role):
    client.force_login(request.getfixturevalue(role))
    drill = DrillFactory()
    ShiftFactory(starts_at=timezone.now() + timedelta(hours=1))
    may_edit = role in EDITORS

    roster = html(client.get(reverse("teams:roster")))
    assert (reverse("teams:roster-add") in roster) is may_edit
    oncall = html(client.get(reverse("teams:oncall")))
    assert ('data-testid="shift-form"' in oncall) is may_edit
    assert ("/remove/" in oncall) is may_edit
    drills = html(client.get(reverse("drills:list")))
    assert (reverse("drills:new") in drills) is may_edit
    detail = html(client.get(reverse("drills:detail", kwargs={"pk": drill.pk})))
    assert (reverse("drills:edit", kwargs={"pk": drill.pk}) in detail) is may_edit

    expected = 200 if may_edit else 403
    assert client.get(reverse("drills:new")).status_code == expected
    assert client.get(reverse("drills:edit", kwargs={"pk": drill.pk})).status_code == expected


def test_unknown_objects_are_404(client, reader):
    client.force_login(reader)
    for name in ("teams:person", "drills:detail", "teams:notification-open"):
        assert client.get(reverse(name, kwargs={"pk": 999_999})).status_code == 404, name


# --- header -----------------------------------------------------------------------------------


def test_header_bell_counts_unread_and_hides_at_zero(client, responder):
    client.force_login(responder)
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="unread-count" hidden>0<' in page
    assert reverse("teams:notifications") in page

    NotificationFactory.create_batch(2, recipient=responder)
    NotificationFactory(recipient=responder, read_at=timezone.now())
    NotificationFactory()  # someone else's
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="unread-count">2<' in page


def test_header_bell_stays_outside_the_folded_menu(client, manager):
    """On a phone the header folds its menu behind a button; the bell is not in it, so an
    approval waiting in a notification is one tap away, not two."""
    NotificationFactory(recipient=manager)
    client.force_login(manager)
    page = html(client.get(reverse("dashboard")))
    header = page[page.index("<nav") : page.index("</nav>")]
    bell = header.index('id="live-nav-notifications"')
    assert bell < header.index('class="collapse navbar-collapse" id="nav"')
    assert 'data-testid="unread-count">1<' in header[bell:]


def test_header_team_menu_links_every_team_page(client, reader):
    client.force_login(reader)
    page = html(client.get(reverse("dashboard")))
    for name in ("teams:people", "teams:roster", "teams:oncall", "drills:list"):
        assert f'href="{reverse(name)}"' in page, name


# --- people -----------------------------------------------------------------------------------


def test_directory_lists_active_people_with_their_place(client, reader, manager):
    legal = Department.objects.create(name="Legal affairs")
    lawyer = UserFactory(
        first_name="Leyla", last_name="Kaya", department=legal, title="Counsel", phone="+90 555"
    )
    on_roster(Role.LEGAL_REVIEWER, lawyer)
    on_roster(Role.CRISIS_LEAD, manager, RosterMember.Kind.BACKUP)
    UserFactory(first_name="Gone", last_name="Away", is_active=False)
    client.force_login(reader)

    page = html(client.get(reverse("teams:people")))
    assert "Leyla Kaya" in page
    assert "Legal affairs" in page
    assert "Counsel" in page
    assert 'href="tel:+90 555"' in page
    assert "Legal reviewer" in page
    assert "Crisis lead · backup" in page
    assert "Manager" in page  # the group
    assert "Gone Away" not in page

    found = client.get(reverse("teams:people"), {"q": "legal"})
    assert [p.pk for p in found.context["page"].object_list] == [lawyer.pk]
    nobody = client.get(reverse("teams:people"), {"q": "no such person"})
    assert "Nobody matches this search" in html(nobody)


def test_person_page_shows_roster_shifts_and_their_time(client, reader):
    someone = UserFactory(first_name="Deniz", timezone="Asia/Tokyo")
    on_roster(Role.SCRIBE, someone)
    ShiftFactory(role_id=Role.APPROVER, person=someone, starts_at=timezone.now())
    client.force_login(reader)
    response = client.get(reverse("teams:person", kwargs={"pk": someone.pk}))
    page = html(response)
    assert "Scribe" in page
    assert "Approver" in page
    assert "Asia/Tokyo ·" in page
    assert "there now" in page
    assert str(response.context["their_zone"]) == "Asia/Tokyo"
    assert "Edit my profile" not in page
    assert "Edit my profile" in html(client.get(reverse("teams:person", kwargs={"pk": reader.pk})))


# --- my profile -------------------------------------------------------------------------------


def test_profile_edit_saves_the_profile(client, responder):
    legal, _created = Department.objects.get_or_create(name="Legal")
    client.force_login(responder)
    response = client.post(
        reverse("teams:profile"),
        {
            "section": "profile",
            "department": legal.pk,
            "title": " Counsel ",
            "phone": "+90 212 555 01 23",
            "timezone": "Europe/Istanbul",
            "webhook_url": "https://hooks.slack.com/services/T0/B0/x",
        },
    )
    assert response.status_code == 302
    responder.refresh_from_db()
    assert responder.department == legal
    assert responder.title == "Counsel"
    assert responder.phone == "+90 212 555 01 23"
    assert responder.timezone == "Europe/Istanbul"
    assert responder.webhook_url == "https://hooks.slack.com/services/T0/B0/x"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "is not a timezone name like Europe/Istanbul"),
        ("timezone", "../../etc/passwd", "is not a timezone name like Europe/Istanbul"),
        ("webhook_url", "not a url", "Enter a valid URL"),
        ("webhook_url", "ftp://example.com/hook", "Enter a valid URL"),
        ("phone", "call me maybe", "Write a phone number"),
        ("department", "999999", "Select a valid choice"),
        ("title", "x" * 151, "at most 150 characters"),
    ],
)
def test_profile_bad_input_is_a_form_error(client, responder, field, value, message):
    client.force_login(responder)
    data = {"section": "profile", "timezone": "", "webhook_url": "", "phone": "", field: value}
    response = client.post(reverse("teams:profile"), data)
    assert response.status_code == 200
    assert message in str(response.context["profile_form"].errors[field])
    responder.refresh_from_db()
    assert responder.timezone == ""


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.slack.com/services/T0/B0/x", "use https://"),
        ("https://localhost/hook", "a loopback address"),
        ("https://127.0.0.1:8080/hook", "a loopback address"),
        ("https://[::ffff:127.0.0.1]/hook", "a loopback address"),
        ("https://10.0.0.5/hook", "a private network address"),
        ("https://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ],
)
def test_profile_refuses_a_chat_webhook_that_is_not_public_https(client, responder, url, reason):
    client.force_login(responder)
    data = {"section": "profile", "timezone": "", "phone": "", "webhook_url": url}
    response = client.post(reverse("teams:profile"), data)
    assert response.status_code == 200
    errors = str(response.context["profile_form"].errors["webhook_url"])
    assert "Only public https addresses are allowed" in errors
    assert reason in errors
    responder.refresh_from_db()
    assert responder.webhook_url == ""


def test_profile_notification_preferences(client, reader):
    client.force_login(reader)
    page = html(client.get(reverse("teams:profile")))
    assert "In-app notifications are always on" in page
    assert page.count("checked disabled") == len(CHOOSABLE_REASONS)

    response = client.post(
        reverse("teams:profile"),
        {
            "section": "notifications",
            f"{Reason.ROLE_ASSIGNED}-email": "on",
            f"{Reason.STAFF_BRIEFING}-chat": "on",
        },
    )
    assert response.status_code == 302
    chosen = {
        p.reason: (p.email, p.webhook) for p in NotificationPreference.objects.filter(person=reader)
    }
    assert chosen[Reason.ROLE_ASSIGNED] == (True, False)
    assert chosen[Reason.STAFF_BRIEFING] == (False, True)
    assert chosen[Reason.CHECKLIST_ASSIGNED] == (False, False)

    form = client.get(reverse("teams:profile")).context["preferences_form"]
    assert form[f"{Reason.ROLE_ASSIGNED}-email"].value() is True
    assert form[f"{Reason.ROLE_ASSIGNED}-chat"].value() is False


# --- the viewer's timezone ----------------------------------------------------------------------


def test_profile_timezone_wins_over_the_browser_cookie(client, reader):
    start = datetime(2030, 1, 10, 0, 30, tzinfo=UTC)
    ShiftFactory(starts_at=start)
    client.cookies["tz"] = "Europe/London"
    client.force_login(reader)
    url = reverse("teams:oncall") + "?from=2030-01-10"

    page = html(client.get(url))
    assert "Times are shown in Europe/London." in page
    assert 'datetime="2030-01-10T00:30:00+00:00"' in page

    reader.timezone = "Asia/Tokyo"
    reader.save()
    page = html(client.get(url))
    assert "Times are shown in Asia/Tokyo." in page
    assert 'datetime="2030-01-10T09:30:00+09:00"' in page


def test_timezone_falls_back_to_the_cookie_then_utc(client, reader):
    client.force_login(reader)
    client.cookies["tz"] = "No/Such_Zone"
    assert "Times are shown in UTC." in html(client.get(reverse("dashboard")))
    client.cookies["tz"] = "America/New_York"
    assert "Times are shown in America/New_York." in html(client.get(reverse("dashboard")))


def test_datetime_local_input_is_read_in_the_profile_timezone(client, manager):
    manager.timezone = "Europe/Istanbul"  # UTC+3
    manager.save()
    person = UserFactory()
    client.force_login(manager)
    response = client.post(
        reverse("teams:oncall"),
        {
            "role": Role.APPROVER,
            "person": person.pk,
            "starts_at": "2030-03-01T09:00",
            "ends_at": "2030-03-01T17:00",
        },
    )
    assert response.status_code == 302
    shift = OnCallShift.objects.get(person=person)
    assert shift.starts_at == datetime(2030, 3, 1, 6, 0, tzinfo=UTC)
    assert response["Location"].endswith("?from=2030-03-01")


# --- roster -----------------------------------------------------------------------------------


def test_roster_shows_holders_and_gaps(client, reader, responder, responder2):
    roles = Role.objects.count()
    on_roster(Role.CRISIS_LEAD, responder)
    on_roster(Role.CRISIS_LEAD, responder2, RosterMember.Kind.BACKUP)
    on_roster(Role.APPROVER, responder)
    gone = UserFactory(first_name="Former", is_active=False)
    on_roster(Role.SCRIBE, gone)
    on_roster(Role.SCRIBE, responder, RosterMember.Kind.BACKUP)
    client.force_login(reader)
    response = client.get(reverse("teams:roster"))
    assert response.context["gap_count"] == roles - 1  # only the crisis lead is fully staffed
    page = html(response)
    assert f'data-testid="gap-count">{roles - 1}<' in page
    rows = {row.role.slug: row for row in response.context["rows"]}
    assert rows[Role.CRISIS_LEAD].gaps == []
    assert rows[Role.APPROVER].gaps == ["backup"]
    assert rows[Role.SCRIBE].gaps == ["primary"]  # the primary can no longer log in
    assert "can no longer log in" in page
    assert "No primary" in page
    assert "No backup" in page
    assert Role.objects.get(slug=Role.APPROVER).responsibilities[:40] in page


def test_roster_without_gaps_says_so(client, reader, responder, responder2):
    for role in Role.objects.all():
        on_roster(role.slug, responder)
        on_roster(role.slug, responder2, RosterMember.Kind.BACKUP)
    client.force_login(reader)
    page = html(client.get(reverse("teams:roster")))
    assert 'data-testid="gap-count">0<' in page
    assert "every role has a primary holder and a backup" in page


def test_manager_adds_and_removes_roster_members(client, manager, responder):
    client.force_login(manager)
    response = client.post(
        reverse("teams:roster-add"),
        {"role": Role.SCRIBE, "person": responder.pk, "kind": "backup"},
    )
    assert response.status_code == 302
    member = RosterMember.objects.get(role_id=Role.SCRIBE, person=responder)
    assert member.kind == "backup"
    assert "added to Scribe as backup" in html(client.get(reverse("teams:roster")))

    response = client.post(reverse("teams:roster-remove", kwargs={"pk": member.pk}))
    assert response.status_code == 302
    assert not RosterMember.objects.filter(pk=member.pk).exists()


def test_roster_edits_answer_htmx_with_the_panel(client, manager, responder):
    client.force_login(manager)
    response = client.post(
        reverse("teams:roster-add"),
        {"role": Role.SCRIBE, "person": responder.pk, "kind": "primary"},
        **HTMX,
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="roster-panel"' in page
    assert str(responder) in page

    again = client.post(
        reverse("teams:roster-add"),
        {"role": Role.SCRIBE, "person": responder.pk, "kind": "backup"},
        **HTMX,
    )
    assert again.status_code == 200
    assert "is already on the roster as Scribe" in html(again)
    assert RosterMember.objects.filter(role_id=Role.SCRIBE).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"role": "no-such-role", "person": "1", "kind": "primary"},
        {"role": Role.SCRIBE, "person": "999999", "kind": "primary"},
        {"role": Role.SCRIBE, "person": "abc", "kind": "sideways"},
        {},
    ],
)
def test_roster_bad_input_is_a_message_not_a_500(client, manager, data):
    client.force_login(manager)
    response = client.post(reverse("teams:roster-add"), data, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="roster-error"' in html(response)
    response = client.post(reverse("teams:roster-add"), data, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in html(response)
    assert not RosterMember.objects.exists()


def test_roster_refuses_someone_who_cannot_log_in(client, manager):
    gone = UserFactory(is_active=False)
    client.force_login(manager)
    response = client.post(
        reverse("teams:roster-add"),
        {"role": Role.SCRIBE, "person": gone.pk, "kind": "primary"},
        **HTMX,
    )
    assert "Choose someone who can log in" in html(response)


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_roster_edits_are_forbidden_without_the_permission(client, request, role, responder2):
    member = on_roster(Role.SCRIBE, responder2)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("teams:roster-add"),
        {"role": Role.APPROVER, "person": responder2.pk, "kind": "primary"},
    )
    assert response.status_code == 403
    assert "does not allow you to edit the roster" in html(response)
    response = client.post(reverse("teams:roster-remove", kwargs={"pk": member.pk}))
    assert response.status_code == 403
    assert list(RosterMember.objects.all()) == [member]


# --- on call ----------------------------------------------------------------------------------


def test_on_call_now_says_where_each_answer_comes_from(client, reader):
    now = timezone.now()
    on_shift = UserFactory(first_name="Shiftworker")
    primary = UserFactory(first_name="Primaryperson")
    backup = UserFactory(first_name="Backupperson")
    gone = UserFactory(first_name="Goneperson", is_active=False)
    ShiftFactory(role_id=Role.CRISIS_LEAD, person=on_shift, starts_at=now - timedelta(hours=1))
    on_roster(Role.CRISIS_LEAD, primary)
    on_roster(Role.APPROVER, primary)
    on_roster(Role.SCRIBE, backup, RosterMember.Kind.BACKUP)
    on_roster(Role.LEGAL_REVIEWER, gone)
    client.force_login(reader)

    response = client.get(reverse("teams:oncall"))
    board = {role.slug: (people, source) for role, people, source in response.context["board"]}
    assert board[Role.CRISIS_LEAD] == ([on_shift], "shift")
    assert board[Role.APPROVER] == ([primary], "roster")
    assert board[Role.SCRIBE] == ([backup], "backup")
    assert board[Role.LEGAL_REVIEWER] == ([], "nobody")
    page = html(response)
    assert 'data-testid="now-crisis_lead" data-source="shift"' in page
    assert 'data-testid="now-scribe" data-source="backup"' in page
    assert "roster primary, no shift" in page
    assert "roster backup: no shift, no primary" in page
    assert "nobody: no shift, no roster" in page
    assert "Goneperson" not in page


def test_on_call_lists_two_weeks_and_pages_by_week(client, reader):
    today = timezone.localdate()
    soon = ShiftFactory(starts_at=timezone.now() + timedelta(days=2), person__first_name="Soon")
    later = ShiftFactory(starts_at=timezone.now() + timedelta(days=20), person__first_name="Later")
    client.force_login(reader)

    page = html(client.get(reverse("teams:oncall")))
    assert f'data-testid="shift-{soon.pk}"' in page
    assert f'data-testid="shift-{later.pk}"' not in page

    next_week = client.get(reverse("teams:oncall"), {"from": str(today + timedelta(days=7))})
    assert f'data-testid="shift-{later.pk}"' in html(next_week)
    assert next_week.context["previous_url"].endswith(f"?from={today}")

    far = client.get(reverse("teams:oncall"), {"from": str(today + timedelta(days=60))})
    assert "No shift in these two weeks" in html(far)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "9999-12-31", "0001-01-01", ""])
def test_on_call_bad_week_falls_back_to_today(client, reader, value):
    client.force_login(reader)
    response = client.get(reverse("teams:oncall"), {"from": value})
    assert response.status_code == 200
    assert response.context["first"] == timezone.localdate()


def test_manager_adds_and_removes_a_shift(client, manager, responder):
    client.force_login(manager)
    start = timezone.localtime() + timedelta(hours=2)
    response = client.post(
        reverse("teams:oncall"),
        {
            "role": Role.CRISIS_LEAD,
            "person": responder.pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert response.status_code == 200
    shift = OnCallShift.objects.get()
    assert shift.created_by == manager
    assert "Shift added" in html(response)
    assert f'data-testid="shift-{shift.pk}"' in html(response)

    response = client.post(reverse("teams:shift-remove", kwargs={"pk": shift.pk}), follow=True)
    assert "Shift removed" in html(response)
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T09:00"},
            "ends_at",
            "A shift ends after it starts",
        ),
        (
            {"starts_at": "2030-01-01T10:00", "ends_at": "2030-03-01T10:00"},
            "ends_at",
            "Keep a shift within 31 days",
        ),
        ({"starts_at": "tomorrow", "ends_at": "2030-01-01T09:00"}, "starts_at", "valid date"),
        ({"starts_at": "", "ends_at": ""}, "starts_at", "required"),
        ({"role": "nope"}, "role", "Select a valid choice"),
    ],
)
def test_shift_bad_input_is_a_form_error(client, manager, responder, data, field, message):
    client.force_login(manager)
    payload = {"role": Role.CRISIS_LEAD, "person": responder.pk, **data}
    payload.setdefault("starts_at", "2030-01-01T10:00")
    payload.setdefault("ends_at", "2030-01-01T18:00")
    response = client.post(reverse("teams:oncall"), payload)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not OnCallShift.objects.exists()


@pytest.mark.parametrize("role", ["reader", "responder"])
def test_shift_edits_are_forbidden_without_the_permission(client, request, role, responder2):
    shift = ShiftFactory()
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("teams:oncall"),
        {
            "role": Role.CRISIS_LEAD,
            "person": responder2.pk,
            "starts_at": "2030-01-01T10:00",
            "ends_at": "2030-01-01T18:00",
        },
    )
    assert response.status_code == 403
    assert client.post(reverse("teams:shift-remove", kwargs={"pk": shift.pk})).status_code == 403
    assert list(OnCallShift.objects.all()) == [shift]


# --- notifications ----------------------------------------------------------------------------


def test_notifications_are_mine_newest_first_unread_highlighted(client, responder, responder2):
    now = timezone.now()
    old = NotificationFactory(
        recipient=responder, title="Older", created_at=now - timedelta(hours=2), read_at=now
    )
    new = NotificationFactory(recipient=responder, title="Newer", created_at=now)
    NotificationFactory(recipient=responder2, title="Not for you")
    client.force_login(responder)
    response = client.get(reverse("teams:notifications"))
    assert list(response.context["page"].object_list) == [new, old]
    page = html(response)
    assert "Not for you" not in page
    assert f'data-testid="notification-{new.pk}" data-unread="true"' in page
    assert f'data-testid="notification-{old.pk}" data-unread' not in page

    unread = client.get(reverse("teams:notifications"), {"unread": "1"})
    assert list(unread.context["page"].object_list) == [new]


def test_notifications_page_and_empty_state(client, responder):
    client.force_login(responder)
    assert "No notifications yet" in html(client.get(reverse("teams:notifications")))
    NotificationFactory.create_batch(30, recipient=responder)
    first = client.get(reverse("teams:notifications"))
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("teams:notifications"), {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_opening_a_notification_marks_it_read_and_goes_to_its_subject(client, responder):
    notification = NotificationFactory(recipient=responder, url="/incidents/INC-2030-0001/")
    client.force_login(responder)
    response = client.get(reverse("teams:notification-open", kwargs={"pk": notification.pk}))
    assert response.status_code == 302
    assert response["Location"] == "/incidents/INC-2030-0001/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("url", ["", "https://evil.example/phish", "//evil.example/"])
def test_opening_a_notification_never_leaves_the_site(client, responder, url):
    notification = NotificationFactory(recipient=responder, url=url)
    client.force_login(responder)
    response = client.get(reverse("teams:notification-open", kwargs={"pk": notification.pk}))
    assert response["Location"] == reverse("teams:notifications")


def test_someone_elses_notification_is_404_and_stays_unread(client, responder, responder2):
    theirs = NotificationFactory(recipient=responder2)
    client.force_login(responder)
    response = client.get(reverse("teams:notification-open", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(client, responder, responder2):
    NotificationFactory.create_batch(3, recipient=responder)
    theirs = NotificationFactory(recipient=responder2)
    client.force_login(responder)
    response = client.post(reverse("teams:notifications-read-all"), follow=True)
    assert "3 notifications marked read." in html(response)
    assert not Notification.objects.filter(recipient=responder, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert 'data-testid="unread-count" hidden>0<' in html(response)
    assert client.get(reverse("teams:notifications-read-all")).status_code == 405
