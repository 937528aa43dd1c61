"""My notifications: the list, opening one, marking all read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from config.http import HttpRequest
from config.people import person_require_signed_in
from teams import selectors, services

NOTIFICATIONS_PAGE_SIZE = 25


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications(user=person_require_signed_in(request.user))
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "teams/notifications.html", {"page": page, "unread_only": unread_only})


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read and go to what it is about."""
    notification = selectors.notification_get(user=person_require_signed_in(request.user), pk=pk)
    services.notification_mark_read(
        actor=person_require_signed_in(request.user), notification=notification
    )
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(notification.url)
    return redirect("teams:notifications")


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=person_require_signed_in(request.user))
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
