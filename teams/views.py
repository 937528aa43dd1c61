"""Team pages: people, my profile, the roster, on-call, drills and my notifications.

Thin: parse the form, call one service or selector, render. Anyone logged in reads every
page; the edit controls appear only for those whose role allows the change, and a post
without that permission gets the 403 page.
"""

from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.middleware import TIMEZONE_COOKIE, zone_named
from config.people import active_people
from config.permissions import MANAGE_DRILLS, MANAGE_ONCALL, MANAGE_ROSTER, holds

from . import selectors, services
from .forms import (
    DrillForm,
    NotificationPreferencesForm,
    ProfileForm,
    RosterAddForm,
    ShiftForm,
    timezone_names,
)
from .models import OnCallShift, RosterMember

PEOPLE_PAGE_SIZE = 50
DRILLS_PAGE_SIZE = 20
NOTIFICATIONS_PAGE_SIZE = 25
ONCALL_DAYS = 14
# How far the on-call page pages back or ahead, so a typed date cannot overflow.
ONCALL_REACH = timedelta(days=5 * 366)


# --- people ---------------------------------------------------------------------------------


@require_GET
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    directory = selectors.people_directory(user=request.user, query=query)
    page = Paginator(directory, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "teams/people.html", {"page": page, "query": query})


@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    someone = selectors.person_get(user=request.user, pk=pk)
    now = timezone.now()
    context = {
        "person": someone,
        "roster_places": selectors.person_roster_places(person=someone),
        "incident_roles": selectors.person_active_roles(person=someone),
        "shifts": selectors.shifts(
            user=request.user, start=now, end=now + timedelta(days=ONCALL_DAYS)
        ).filter(person=someone),
        "drills": selectors.drills(user=request.user).filter(participants=someone)[:5],
        "their_zone": zone_named(someone.timezone),
        "now": now,
        "is_me": someone.pk == request.user.pk,
    }
    return render(request, "teams/person.html", context)


# --- my profile -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    me: Any = request.user
    profile_form = ProfileForm(
        initial={
            "department": me.department,
            "title": me.title,
            "phone": me.phone,
            "timezone": me.timezone,
            "webhook_url": me.webhook_url,
        }
    )
    preferences_form = NotificationPreferencesForm(
        initial=NotificationPreferencesForm.initial_from(
            selectors.notification_preferences(person=me)
        )
    )
    if request.method == "POST" and request.POST.get("section") == "notifications":
        preferences_form = NotificationPreferencesForm(request.POST)
        if preferences_form.is_valid():
            try:
                services.notification_preferences_set(
                    actor=me, person=me, choices=preferences_form.choices()
                )
            except ApplicationError as exc:
                form_error(preferences_form, exc)
            else:
                messages.success(request, _("Notification preferences saved."))
                return redirect("teams:profile")
    elif request.method == "POST":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            data = profile_form.cleaned_data
            try:
                services.person_update_profile(
                    actor=me,
                    person=me,
                    department=data["department"],
                    title=data["title"],
                    phone=data["phone"],
                    timezone_name=data["timezone"],
                    webhook_url=data["webhook_url"],
                )
            except ApplicationError as exc:
                form_error(profile_form, exc)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("teams:profile")
    context = {
        "profile_form": profile_form,
        "preferences_form": preferences_form,
        "timezone_names": timezone_names(),
        "browser_timezone": request.COOKIES.get(TIMEZONE_COOKIE, ""),
    }
    return render(request, "teams/profile.html", context)


# --- the roster -----------------------------------------------------------------------------


def _roster_context(
    request: HttpRequest, add_form: RosterAddForm | None = None, error: str = ""
) -> dict[str, Any]:
    rows = selectors.roster(user=request.user)
    can_edit = holds(request.user, MANAGE_ROSTER)
    return {
        "rows": rows,
        "gap_count": sum(1 for row in rows if row.gaps),
        "can_edit": can_edit,
        "people": list(active_people()) if can_edit else [],
        "kinds": RosterMember.Kind.choices,
        # A role with a primary but no backup offers "backup" first in its add form.
        "backup_only": ["backup"],
        "add_form": add_form,
        "roster_error": error,
    }


def _roster_panel(request: HttpRequest, context: dict[str, Any], failed: str = "") -> HttpResponse:
    """An htmx request gets the roster panel; a plain form post goes back to the page."""
    if request.htmx:
        return render(request, "teams/_roster.html", context)
    if failed:
        messages.error(request, failed)
    return HttpResponseRedirect(reverse("teams:roster"))


@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    return render(request, "teams/roster.html", _roster_context(request))


@require_POST
def roster_add(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, MANAGE_ROSTER):
        return forbidden(request, _("Your role does not allow you to edit the roster."))
    form = RosterAddForm(request.POST)
    failed = ""
    if form.is_valid():
        try:
            member = services.roster_add(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
            failed = exc.message
        else:
            if not request.htmx:
                messages.success(
                    request,
                    _("%(person)s added to %(role)s as %(kind)s.")
                    % {
                        "person": member.person,
                        "role": member.role,
                        "kind": member.get_kind_display().lower(),
                    },
                )
    else:
        failed = " ".join(str(error) for errors in form.errors.values() for error in errors)
    context = _roster_context(request, form if failed else None, failed)
    return _roster_panel(request, context, failed)


@require_POST
def roster_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not holds(request.user, MANAGE_ROSTER):
        return forbidden(request, _("Your role does not allow you to edit the roster."))
    member = get_object_or_404(RosterMember.objects.select_related("person", "role"), pk=pk)
    failed = ""
    try:
        services.roster_remove(actor=request.user, member=member)
    except ApplicationError as exc:
        failed = exc.message
    else:
        if not request.htmx:
            messages.success(
                request,
                _("%(person)s removed from %(role)s.")
                % {"person": member.person, "role": member.role},
            )
    return _roster_panel(request, _roster_context(request, error=failed), failed)


# --- on call --------------------------------------------------------------------------------


def _first_day(request: HttpRequest) -> date:
    """The first day shown: ?from=YYYY-MM-DD within reach, else today in the viewer's zone."""
    today = timezone.localdate()
    try:
        first = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        return today
    if abs(first - today) > ONCALL_REACH:
        return today
    return first


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _oncall_url(first: date | None = None) -> str:
    url = reverse("teams:oncall")
    return f"{url}?{urlencode({'from': first.isoformat()})}" if first else url


def _next_hour() -> datetime:
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@require_http_methods(["GET", "POST"])
def oncall(request: HttpRequest) -> HttpResponse:
    first = _first_day(request)
    start, end = _midnight(first), _midnight(first + timedelta(days=ONCALL_DAYS))
    can_edit = holds(request.user, MANAGE_ONCALL)
    starts_at = _next_hour()
    form = ShiftForm(initial={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=12)})
    if request.method == "POST":
        if not can_edit:
            return forbidden(request, _("Your role does not allow you to plan on-call shifts."))
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shift = services.shift_add(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Shift added: %(person)s as %(role)s from %(starts)s to %(ends)s.")
                    % {
                        "person": shift.person,
                        "role": shift.role,
                        "starts": _local(shift.starts_at),
                        "ends": _local(shift.ends_at),
                    },
                )
                shown = shift.starts_at < end and shift.ends_at > start
                day = first if shown else timezone.localtime(shift.starts_at).date()
                return redirect(_oncall_url(day if day != timezone.localdate() else None))
    shifts = list(selectors.shifts(user=request.user, start=start, end=end))
    days = [
        (day, list(group))
        for day, group in groupby(shifts, key=lambda s: timezone.localtime(s.starts_at).date())
    ]
    context = {
        "board": selectors.on_call(),
        "days": days,
        "shift_count": len(shifts),
        "first": first,
        "last": first + timedelta(days=ONCALL_DAYS - 1),
        "previous_url": _oncall_url(first - timedelta(days=7)),
        "next_url": _oncall_url(first + timedelta(days=7)),
        "is_today": first == timezone.localdate(),
        "this_url": _oncall_url(first) if first != timezone.localdate() else _oncall_url(),
        "now": timezone.now(),
        "can_edit": can_edit,
        "form": form,
    }
    return render(request, "teams/oncall.html", context)


def _local(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@require_POST
def shift_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not holds(request.user, MANAGE_ONCALL):
        return forbidden(request, _("Your role does not allow you to plan on-call shifts."))
    shift = get_object_or_404(OnCallShift.objects.select_related("person", "role"), pk=pk)
    try:
        services.shift_remove(actor=request.user, shift=shift)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Shift removed: %(person)s as %(role)s from %(starts)s.")
            % {"person": shift.person, "role": shift.role, "starts": _local(shift.starts_at)},
        )
    first = _first_day(request)
    return redirect(_oncall_url(first if first != timezone.localdate() else None))


# --- drills ---------------------------------------------------------------------------------


@require_GET
def drills(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.drills(user=request.user), DRILLS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "teams/drills.html",
        {"page": page, "can_edit": holds(request.user, MANAGE_DRILLS)},
    )


@require_GET
def drill(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "teams/drill.html",
        {
            "drill": selectors.drill_get(user=request.user, pk=pk),
            "can_edit": holds(request.user, MANAGE_DRILLS),
        },
    )


@require_http_methods(["GET", "POST"])
def drill_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    current = selectors.drill_get(user=request.user, pk=pk) if pk is not None else None
    if not holds(request.user, MANAGE_DRILLS):
        return forbidden(request, _("Your role does not allow you to record drills."))
    initial: dict[str, Any] = {"held_at": _next_hour() - timedelta(hours=1)}
    participants = None
    if current is not None:
        participants = list(current.participants.all())
        initial = {
            "title": current.title,
            "scenario": current.scenario,
            "held_at": current.held_at,
            "participants": participants,
            "findings": current.findings,
            "follow_ups": current.follow_ups,
        }
    form = DrillForm(request.POST or None, initial=initial, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.drill_save(actor=request.user, drill=current, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Drill saved."))
            return redirect("teams:drill", pk=saved.pk)
    return render(request, "teams/drill_form.html", {"form": form, "drill": current})


# --- my notifications -----------------------------------------------------------------------


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications(user=request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "teams/notifications.html", {"page": page, "unread_only": unread_only})


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read and go to what it is about."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(notification.url)
    return redirect("teams:notifications")


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                count,
            )
            % {"count": count},
        )
    return redirect("teams:notifications")
