"""The standing crisis team: the roster (primaries and backups per role) and on-call shifts."""

from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.languages import lowered
from config.people import active_people, person_require_signed_in
from config.permissions import MANAGE_ONCALL, MANAGE_ROSTER, holds
from teams import selectors, services
from teams.forms import RosterAddForm, ShiftForm
from teams.models import OnCallShift, RosterMember

ONCALL_DAYS = 14
# How far the on-call page pages back or ahead, so a typed date cannot overflow.
ONCALL_REACH = timedelta(days=5 * 366)


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
            member = services.roster_add(
                actor=person_require_signed_in(request.user), **form.cleaned_data
            )
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
                        "kind": lowered(member.get_kind_display()),
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
        services.roster_remove(actor=person_require_signed_in(request.user), member=member)
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


def next_hour() -> datetime:
    return timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@require_http_methods(["GET", "POST"])
def oncall(request: HttpRequest) -> HttpResponse:
    first = _first_day(request)
    start, end = _midnight(first), _midnight(first + timedelta(days=ONCALL_DAYS))
    can_edit = holds(request.user, MANAGE_ONCALL)
    starts_at = next_hour()
    form = ShiftForm(initial={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=12)})
    if request.method == "POST":
        if not can_edit:
            return forbidden(request, _("Your role does not allow you to plan on-call shifts."))
        form = ShiftForm(request.POST)
        if form.is_valid():
            try:
                shift = services.shift_add(
                    actor=person_require_signed_in(request.user), **form.cleaned_data
                )
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
        services.shift_remove(actor=person_require_signed_in(request.user), shift=shift)
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
