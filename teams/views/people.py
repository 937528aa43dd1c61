"""People, a person's page and my own profile (with my notification preferences)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, on_this_site
from config.languages import language_require
from config.middleware import TIMEZONE_COOKIE
from config.when import zone_named
from teams import selectors, services
from teams.forms import (
    NotificationPreferencesForm,
    ProfileForm,
    timezone_names,
)
from teams.views.roster import ONCALL_DAYS

PEOPLE_PAGE_SIZE = 50


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
        "their_zone": zone_named(someone.timezone),
        "now": now,
        "is_me": someone.pk == request.user.pk,
    }
    return render(request, "teams/person.html", context)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    me: Any = request.user
    profile_form = ProfileForm(
        initial={
            "department": me.department,
            "title": me.title,
            "phone": me.phone,
            "timezone": me.timezone,
            "language": me.language,
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
                    language=data["language"],
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


@login_not_required
@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switcher (the user menu, the sign-in page): kept on the signed-in person's
    profile, so their emails and chat follow too, and in a cookie for the pages before signing
    in. Back to the page it was chosen on: ``next`` when given, else the page that sent the form
    (its Referer; the page does not write its own address into the form, which may hold what it
    must not show), else the dashboard."""
    language = request.POST.get("language", "")
    try:
        if request.user.is_authenticated:
            services.person_language_set(actor=request.user, person=request.user, language=language)
        else:
            language_require(language, blank=True)
    except ApplicationError as exc:
        return HttpResponseBadRequest(str(exc))
    back = request.POST.get("next") or request.headers.get("referer", "")
    response = HttpResponseRedirect(on_this_site(request, back, "/"))
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
